// The baselines of `npm run bench`, each run as its own process: `node bench-targets.js hello|apollo`
// listens on a free loopback port and prints {"port":N}.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

const kind = process.argv[2];

if (kind === 'hello') {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end('hello world');
  });
  server.listen(0, '127.0.0.1', () => {
    console.log(JSON.stringify({ port: (server.address() as AddressInfo).port }));
  });
} else if (kind === 'apollo') {
  // A bare Apollo Server 5, standalone, with a one-field schema: the framework's own floor per request.
  const server = new ApolloServer({
    typeDefs: 'type Query { hello: String }',
    resolvers: { Query: { hello: () => 'world' } },
  });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  console.log(JSON.stringify({ port: Number(new URL(url).port) }));
} else {
  console.error('usage: bench-targets hello|apollo');
  process.exit(2);
}
