// The baselines of `npm run bench`, each run as its own process: `node bench-targets.js hello|apollo|otlp`
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
} else if (kind === 'otlp') {
  // A trace collector that keeps nothing: accepts OTLP/HTTP JSON posts (`POST /v1/traces`) with 200 and
  // counts them, so the bench can run the ledger with its exporter on without a collector's own cost
  // on the server's cores. `GET /stats` answers what arrived.
  const stats = { requests: 0, bytes: 0, spans: 0 };
  const server = createServer((request, response) => {
    if (request.method === 'GET') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
      return;
    }
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      stats.requests++;
      stats.bytes += Buffer.byteLength(body);
      // One "spanId" key per span (parents are "parentSpanId"); cheaper than parsing the payload.
      stats.spans += body.split('"spanId"').length - 1;
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1', () => {
    console.log(JSON.stringify({ port: (server.address() as AddressInfo).port }));
  });
} else {
  console.error('usage: bench-targets hello|apollo|otlp');
  process.exit(2);
}
