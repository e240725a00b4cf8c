import { JSONCodec, headers } from 'nats';
import type { JetStreamClient, JetStreamManager, PubAck } from 'nats';
import type { Logger } from 'pino';
import type { RecordedEvent } from '../../envelope.js';
import { IllegalStateError, UnavailableError, ValidationError } from '../../errors.js';
import type { EventBus, Subscription } from '../port.js';
import { connectNats, requireServers } from './connection.js';
import type { NatsClient } from './connection.js';
import { consumePartition } from './partition-consumer.js';
import { SEQUENCE_HEADER, ensureStream, lastSequenceOn, partitionSubject } from './stream.js';

export interface NatsEventBusOptions {
  /** Connect to these servers (the bus owns and closes the connection) ... */
  readonly servers?: string | readonly string[];
  /** ... or share a connection; its owner closes it. */
  readonly client?: NatsClient;
  readonly partitions: number;
  readonly stream?: string;
  /** Subjects are `<prefix>.events.<partition>`. */
  readonly subjectPrefix?: string;
  readonly retainPerPartition?: number;
  readonly duplicateWindowMs?: number;
  readonly replicas?: number;
  readonly batchSize?: number;
  /** First pause before a failed batch is delivered again (doubles while failures repeat). */
  readonly redeliveryDelayMs?: number;
  readonly publishTimeoutMs?: number;
  readonly logger?: Logger;
}

/** The event bus on JetStream, plus what a forwarder needs to resume. */
export interface NatsEventBus extends EventBus {
  /** The ledger sequence of the newest event the stream holds for a partition (0 when none). */
  lastSequence(partition: number): Promise<number>;
}

/** In-flight publishes per round, so a large catch-up batch does not flood the connection. */
const PUBLISH_WINDOW = 256;

/**
 * Partitioned event log on one JetStream stream over `<prefix>.events.*`. Each event is published
 * with Nats-Msg-Id = eventId (de-duplicated within the window) and its ledger sequence in a header.
 */
export function createNatsEventBus(options: NatsEventBusOptions): NatsEventBus {
  const client = options.client ?? connectNats({ servers: requireServers(options.servers), logger: options.logger });
  const ownsClient = options.client === undefined;
  const stream = options.stream ?? 'LEDGER_EVENTS';
  const prefix = options.subjectPrefix ?? 'ledger';
  const batchSize = options.batchSize ?? 500;
  const codec = JSONCodec<RecordedEvent>();
  const active = new Set<Subscription>();
  let closed = false;
  let setup: Promise<{ js: JetStreamClient; jsm: JetStreamManager }> | undefined;

  /** Connection and stream, made once; a failed attempt is retried by the next caller. */
  const jetstream = (): Promise<{ js: JetStreamClient; jsm: JetStreamManager }> => {
    if (closed) return Promise.reject(new IllegalStateError('the NATS event bus is closed'));
    setup ??= (async () => {
      const connection = await client.connection();
      const jsm = await connection.jetstreamManager();
      await ensureStream(jsm, {
        name: stream,
        subjectPrefix: prefix,
        retainPerPartition: options.retainPerPartition ?? 100_000,
        duplicateWindowMs: options.duplicateWindowMs ?? 120_000,
        replicas: options.replicas ?? 1,
      });
      return { js: connection.jetstream(), jsm };
    })();
    setup.catch(() => (setup = undefined));
    return setup;
  };

  const subjectOf = (partition: number): string => {
    if (!Number.isInteger(partition) || partition < 0 || partition >= options.partitions) {
      throw new ValidationError(`partition ${partition} is outside 0..${options.partitions - 1}`);
    }
    return partitionSubject(prefix, partition);
  };

  return {
    async publish(partition, events) {
      const subject = subjectOf(partition);
      const { js } = await jetstream();
      for (let from = 0; from < events.length; from += PUBLISH_WINDOW) {
        const acks = events.slice(from, from + PUBLISH_WINDOW).map((event): Promise<PubAck> => {
          const h = headers();
          h.set(SEQUENCE_HEADER, String(event.position.sequence));
          // W3C trace context, for NATS-level tools; the projector reads it from the event's metadata.
          if (event.metadata.traceparent) h.set('traceparent', event.metadata.traceparent);
          if (event.metadata.tracestate) h.set('tracestate', event.metadata.tracestate);
          return js.publish(subject, codec.encode(event), {
            msgID: event.eventId,
            headers: h,
            timeout: options.publishTimeoutMs ?? 5_000,
          });
        });
        // Sent back to back, awaited in order: the first failure is the caller's resume point.
        const results = await Promise.allSettled(acks);
        const failed = results.findIndex((result) => result.status === 'rejected');
        if (failed >= 0) {
          const reason = (results[failed] as PromiseRejectedResult).reason as Error;
          const at = events[from + failed]!.position;
          throw new UnavailableError(`publishing ${at.partition}:${at.sequence} to NATS failed: ${reason.message}`);
        }
      }
    },

    async subscribe(partition, afterSequence, handler) {
      const subject = subjectOf(partition);
      if (closed) throw new IllegalStateError('the NATS event bus is closed');
      const consumer = consumePartition({
        jetstream,
        stream,
        subject,
        afterSequence,
        handler,
        batchSize,
        retryDelayMs: options.redeliveryDelayMs ?? 200,
        ackWaitMs: 60_000,
        logger: options.logger,
      });
      const subscription: Subscription = {
        async stop() {
          active.delete(subscription);
          await consumer.stop();
        },
      };
      active.add(subscription);
      return subscription;
    },

    async lastSequence(partition) {
      const subject = subjectOf(partition);
      const { jsm } = await jetstream();
      return lastSequenceOn(jsm, stream, subject);
    },

    async close() {
      if (closed) return;
      await Promise.all([...active].map((subscription) => subscription.stop()));
      closed = true;
      if (ownsClient) await client.close();
    },
  };
}
