import { createServer } from 'node:net';

// Below Linux's default ephemeral range (32768-60999): a port handed out here cannot be taken meanwhile
// by another process's listen(0) or by the local end of an outgoing connection, so a process restarted
// on it (chaos) or started a moment later finds it free.
const LOW = 20_000;
const HIGH = 32_000;

const free = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** Loopback ports free right now, for servers whose address others must know before they start. */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (!ports.includes(port) && (await free(port))) ports.push(port);
  }
  return ports;
}
