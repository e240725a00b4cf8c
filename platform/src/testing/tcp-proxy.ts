import net from 'node:net';
import type { AddressInfo } from 'node:net';

/** A TCP hop in front of a server whose link can be cut and restored: a network failure for tests. */
export interface TcpProxy {
  /** `target` with host and port pointing at the proxy. */
  readonly url: string;
  /** Drops every open connection and refuses new ones until restore(). */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function createTcpProxy(target: string): Promise<TcpProxy> {
  const upstream = new URL(target);
  const sockets = new Set<net.Socket>();
  let linked = true;
  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server = net.createServer((client) => {
    track(client);
    if (!linked) return void client.destroy();
    const server = net.connect(Number(upstream.port || 6379), upstream.hostname);
    track(server);
    client.pipe(server).pipe(client);
    client.on('close', () => server.destroy());
    server.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxied = new URL(target);
  proxied.hostname = '127.0.0.1';
  proxied.port = String((server.address() as AddressInfo).port);
  const dropAll = (): void => sockets.forEach((socket) => socket.destroy());
  return {
    url: proxied.toString(),
    cut() {
      linked = false;
      dropAll();
    },
    restore() {
      linked = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        dropAll();
        server.close(() => resolve());
      }),
  };
}
