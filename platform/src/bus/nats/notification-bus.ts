import { JSONCodec } from 'nats';
import type { Logger } from 'pino';
import type { NotificationBus, Subscription } from '../port.js';
import { connectNats, requireServers } from './connection.js';
import type { NatsClient } from './connection.js';

export interface NatsNotificationBusOptions {
  /** Connect to these servers (the bus owns and closes the connection) ... */
  readonly servers?: string | readonly string[];
  /** ... or share a connection; its owner closes it. */
  readonly client?: NatsClient;
  /** Replaces the leading "ledger" token of every subject on the wire, so ledgers can share a server. */
  readonly subjectPrefix?: string;
  readonly logger?: Logger;
}

/**
 * Notifications over NATS core: fire-and-forget JSON on the caller's subjects, so a gateway
 * replica receives what any projector replica publishes.
 */
export function createNatsNotificationBus(options: NatsNotificationBusOptions): NotificationBus {
  const client = options.client ?? connectNats({ servers: requireServers(options.servers), logger: options.logger });
  const ownsClient = options.client === undefined;
  const codec = JSONCodec();
  const active = new Set<Subscription>();
  const prefix = options.subjectPrefix ?? 'ledger';
  const toWire = (subject: string): string => subject.replace(/^ledger(?=\.|$)/, prefix);
  const fromWire = (subject: string): string =>
    subject === prefix || subject.startsWith(`${prefix}.`) ? `ledger${subject.slice(prefix.length)}` : subject;

  return {
    async publish(subject, payload) {
      const connection = await client.connection();
      connection.publish(toWire(subject), codec.encode(payload));
    },

    async subscribe(pattern, handler) {
      const connection = await client.connection();
      const sub = connection.subscribe(toWire(pattern), {
        callback: (error, message) => {
          if (error) {
            options.logger?.warn({ err: error, pattern }, 'notification subscription failed');
            return;
          }
          try {
            handler(fromWire(message.subject), codec.decode(message.data));
          } catch (failure) {
            // A failing listener must not stop the others (fire-and-forget).
            options.logger?.warn({ err: failure, subject: message.subject }, 'notification handler failed');
          }
        },
      });
      // The server knows the interest once flushed, so a publish made after this resolves is seen.
      await connection.flush();
      const subscription: Subscription = {
        async stop() {
          active.delete(subscription);
          if (!sub.isClosed()) sub.unsubscribe();
        },
      };
      active.add(subscription);
      return subscription;
    },

    async close() {
      await Promise.all([...active].map((subscription) => subscription.stop()));
      if (ownsClient) await client.close();
    },
  };
}
