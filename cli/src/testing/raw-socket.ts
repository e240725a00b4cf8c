import WebSocket from 'ws';

/** A message of the graphql-transport-ws protocol. */
export interface SocketMessage {
  readonly type: string;
  readonly id?: string;
  readonly payload?: unknown;
}

/** A graphql-ws connection driven message by message, to see exactly what the server answers and how it closes. */
export interface RawSocket {
  /** Resolves on connection_ack; rejects with the close code when the server closes first. */
  readonly acknowledged: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly messages: SocketMessage[];
  send(message: SocketMessage): void;
  /** Resolves once `count` messages match. */
  waitFor(match: (message: SocketMessage) => boolean, count?: number, timeoutMs?: number): Promise<SocketMessage[]>;
  close(): Promise<void>;
}

export function openRawSocket(url: string, connectionParams?: Record<string, unknown>): RawSocket {
  const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  const messages: SocketMessage[] = [];
  const listeners = new Set<() => void>();
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      for (const listener of listeners) listener();
    }),
  );
  const acknowledged = new Promise<void>((resolve, reject) => {
    socket.on('message', (data: WebSocket.RawData) => {
      const message = JSON.parse(data.toString()) as SocketMessage;
      messages.push(message);
      if (message.type === 'connection_ack') resolve();
      for (const listener of listeners) listener();
    });
    void closed.then(({ code, reason }) => reject(new Error(`closed ${code}: ${reason}`)));
  });
  acknowledged.catch(() => undefined);
  socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: connectionParams })));
  socket.on('error', () => undefined);
  return {
    acknowledged,
    closed,
    messages,
    send: (message) => socket.send(JSON.stringify(message)),
    waitFor(match, count = 1, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const found = messages.filter(match);
          if (found.length >= count) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(found);
          } else if (socket.readyState === WebSocket.CLOSED) {
            listeners.delete(check);
            clearTimeout(timer);
            reject(new Error(`socket closed with ${found.length} of ${count} expected messages`));
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`${messages.filter(match).length} of ${count} expected messages in ${timeoutMs} ms`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    async close() {
      if (socket.readyState !== WebSocket.CLOSED) socket.close(1000);
      await closed;
    },
  };
}
