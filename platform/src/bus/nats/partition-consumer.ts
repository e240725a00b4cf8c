import { AckPolicy, DeliverPolicy, JSONCodec, ReplayPolicy, nanos } from 'nats';
import type { ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg } from 'nats';
import type { Logger } from 'pino';
import type { RecordedEvent } from '../../envelope.js';
import type { Subscription } from '../port.js';
import { ledgerSequence, streamStartAfter } from './stream.js';

export interface PartitionConsumerOptions {
  readonly jetstream: () => Promise<{ js: JetStreamClient; jsm: JetStreamManager }>;
  readonly stream: string;
  readonly subject: string;
  readonly afterSequence: number;
  readonly handler: (events: readonly RecordedEvent[]) => Promise<void>;
  readonly batchSize: number;
  readonly retryDelayMs: number;
  readonly ackWaitMs: number;
  readonly logger?: Logger;
}

const codec = JSONCodec<RecordedEvent>();

/**
 * Delivers one partition in order. Each attempt creates a consumer (explicit acks, filtered on
 * the partition subject) at the first message above the cursor; any failure, of the handler or
 * of NATS, drops that consumer and starts again from the cursor after a pause. So a failed batch
 * comes again from its first event, nothing is skipped, and a NATS restart is just one more retry.
 * Messages at or below the cursor (a republish outside the duplicate window) are acked and skipped.
 */
export function consumePartition(options: PartitionConsumerOptions): Subscription {
  const { stream, subject, handler, batchSize, logger } = options;
  let cursor = options.afterSequence;
  let stopped = false;
  let messages: ConsumerMessages | undefined;
  let wakeUp: (() => void) | undefined;
  /** The handler call in progress, if any: stop() waits for it, not for NATS requests. */
  let delivering: Promise<void> | undefined;

  /** A message that is not a ledger event (no sequence header) is logged and passed over. */
  const sequenceOf = (message: JsMsg): number => {
    try {
      return ledgerSequence(message.headers);
    } catch (error) {
      logger?.error({ err: error, subject, streamSequence: message.seq }, 'skipping a message that is not an event');
      return 0;
    }
  };

  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  /** One consumer's life: returns when stopped, throws on any failure. */
  async function attempt(): Promise<void> {
    const { js, jsm } = await options.jetstream();
    const start = await streamStartAfter(jsm, stream, subject, cursor);
    const info = await jsm.consumers.add(stream, {
      filter_subject: subject,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: start,
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(options.ackWaitMs),
      replay_policy: ReplayPolicy.Instant,
      max_ack_pending: batchSize * 2,
      // The consumer is a view from the cursor, rebuilt on every attempt: no need to persist it,
      // and the server removes it if this process dies.
      mem_storage: true,
      inactive_threshold: nanos(30_000),
    });
    const consumer = await js.consumers.get(stream, info.name);
    // Our own queue (callback mode) so a batch is "whatever has arrived", without waiting for more.
    const queue: JsMsg[] = [];
    let ended: Error | undefined;
    try {
      if (stopped) return;
      messages = await consumer.consume({
        max_messages: batchSize,
        abort_on_missing_resource: true,
        callback: (message) => {
          queue.push(message);
          wakeUp?.();
        },
      });
      void messages.closed().then((error) => {
        ended = error instanceof Error ? error : new Error('consumer ended');
        wakeUp?.();
      });
      while (!stopped) {
        if (queue.length === 0) {
          if (ended) throw ended;
          await new Promise<void>((resolve) => (wakeUp = resolve));
          continue;
        }
        const taken = queue.splice(0, batchSize);
        const batch: RecordedEvent[] = [];
        for (const message of taken) {
          const sequence = sequenceOf(message);
          // At or below the cursor: a republish outside the duplicate window; already delivered.
          if (sequence > (batch.at(-1)?.position.sequence ?? cursor)) batch.push(codec.decode(message.data));
        }
        if (batch.length > 0) {
          delivering = handler(batch);
          await delivering;
          cursor = batch.at(-1)!.position.sequence;
        }
        for (const message of taken) message.ack();
      }
    } finally {
      messages?.stop();
      messages = undefined;
      // The server also drops it once inactive; when stopping, do not wait on an unreachable NATS.
      const deleting = consumer.delete().catch(() => false);
      if (!stopped) await deleting;
    }
  }

  void (async () => {
    let failures = 0;
    while (!stopped) {
      const cursorBefore = cursor;
      try {
        await attempt();
      } catch (error) {
        if (stopped) break;
        failures = cursor > cursorBefore ? 1 : failures + 1;
        logger?.warn({ err: error, subject, cursor, failures }, 'event delivery failed, retrying from cursor');
        // Back off while nothing gets through (NATS down, handler failing), up to 16 pauses.
        await pause(options.retryDelayMs * 2 ** Math.min(failures - 1, 4));
      }
    }
  })();

  return {
    async stop() {
      stopped = true;
      messages?.stop();
      wakeUp?.();
      // No new handler call starts once `stopped` is set; a request to an unreachable NATS may
      // keep the loop alive until it times out or the connection closes, harmlessly.
      await delivering?.catch(() => undefined);
    },
  };
}
