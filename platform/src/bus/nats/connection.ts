import { connect } from 'nats';
import type { NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { UnavailableError } from '../../errors.js';

export interface NatsConnectOptions {
  /** One URL, a comma list, or several URLs of the same cluster. */
  readonly servers: string | readonly string[];
  /** Shown by the server's monitoring, e.g. "ledger-projector". */
  readonly name?: string;
  readonly logger?: Logger;
  readonly reconnectTimeWaitMs?: number;
  readonly drainTimeoutMs?: number;
}

/**
 * One NATS connection shared by the event and notification buses. It reconnects for ever: a NATS
 * restart is an outage to wait out, not a reason to crash; only the first connect fails fast.
 */
export interface NatsClient {
  /** Resolves once connected; rejects with UnavailableError when the first connect fails. */
  connection(): Promise<NatsConnection>;
  /** Drains and closes the connection; later calls are no-ops. */
  close(): Promise<void>;
}

const serverList = (servers: string | readonly string[]): string[] =>
  (typeof servers === 'string' ? servers.split(',') : [...servers]).map((s) => s.trim()).filter(Boolean);

export function connectNats(options: NatsConnectOptions): NatsClient {
  const servers = serverList(options.servers);
  const logger = options.logger;
  const connecting = connect({
    servers,
    name: options.name ?? 'ledger',
    maxReconnectAttempts: -1,
    reconnectTimeWait: options.reconnectTimeWaitMs ?? 500,
    // Without it the client takes a stack trace for every request it sends (each JetStream publish
    // is one), to put where the request began into a timeout's error: two of the three `Error`s it
    // makes a publish, 2 to 3.5% of a write service's CPU (MEASUREMENTS.md). A failed publish's error
    // names the event.
    noAsyncTraces: true,
  }).then(
    (connection) => {
      void (async () => {
        for await (const status of connection.status()) {
          const level =
            status.type === 'disconnect' || status.type === 'error'
              ? 'warn'
              : status.type === 'reconnect'
                ? 'info'
                : 'debug';
          logger?.[level]({ nats: status.type, data: status.data }, `nats ${status.type}`);
        }
      })();
      return connection;
    },
    (error: unknown) => {
      throw new UnavailableError(`cannot connect to NATS at ${servers.join(',')}: ${(error as Error).message}`);
    },
  );
  // Callers see the failure when they use the bus; this only keeps it from being "unhandled".
  connecting.catch(() => undefined);
  let closing: Promise<void> | undefined;

  return {
    connection: () => connecting,
    close() {
      closing ??= connecting.then(
        async (connection) => {
          if (connection.isClosed()) return;
          // Drain delivers what is in flight. While NATS is unreachable it may hang, or resolve and
          // leave the client reconnecting for ever: bound it, then make sure the client is closed.
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            connection.drain().catch(() => undefined),
            new Promise((resolve) => (timer = setTimeout(resolve, options.drainTimeoutMs ?? 2_000))),
          ]);
          clearTimeout(timer);
          if (!connection.isClosed()) await connection.close();
        },
        () => undefined,
      );
      return closing;
    },
  };
}

/** For factories taking `servers` or a shared `client`. */
export function requireServers(servers: string | readonly string[] | undefined): string | readonly string[] {
  if (servers === undefined || servers.length === 0) throw new TypeError('a NATS bus needs `servers` or `client`');
  return servers;
}
