import type { RecordedEvent } from '../envelope.js';
import type { EventBus, NotificationBus, Subscription } from './port.js';
import { subjectMatcher } from './port.js';

export interface InProcessBusOptions {
  /**
   * Events kept per partition (up to a quarter more between trims); older ones are dropped and
   * consumers fill the gap from the store.
   */
  readonly retainPerPartition?: number;
  /** Delay before a failed batch is delivered again. */
  readonly redeliveryDelayMs?: number;
  readonly batchSize?: number;
}

/** A wake-up signal: `wait()` resolves at the next `fire()` (or at once if one fired since). */
class Signal {
  private waiters: Array<() => void> = [];
  fire(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
  wait(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.waiters.push(done);
    });
  }
}

/** The embedded event bus: an in-memory, per-partition ordered log inside one process. */
export function createInProcessEventBus(options: InProcessBusOptions = {}): EventBus {
  // The log is only a hand-off from the forwarder to the projector next to it, which fills anything
  // older from the store. An event held here costs about 900 bytes: 50,000 per partition grew
  // `ledger all` by ~27 MB per 10,000 deposits, towards ~700 MB at 16 partitions. What every
  // subscriber of the partition has taken goes at once: an event held for seconds outlives V8's
  // young generation, is copied into the old one and dies there, which makes full collections more
  // frequent (MEASUREMENTS.md). `retain` bounds what a consumer that lags (or none yet) keeps here.
  const retain = options.retainPerPartition ?? 1_000;
  // The log is cut back to `retain` once it holds a quarter more: cutting its front off at every
  // publish moved the whole log each time (1.2% of the event loop's CPU under saturating deposits).
  const trimAbove = retain + Math.floor(retain / 4);
  const redeliveryDelayMs = options.redeliveryDelayMs ?? 200;
  const batchSize = options.batchSize ?? 500;
  interface PartitionLog {
    readonly signal: Signal;
    events: RecordedEvent[];
    /** The highest sequence published, whether or not it is still held. */
    last: number;
    /** Where each of the partition's subscribers is: the last sequence it has taken. */
    readonly cursors: Set<{ cursor: number }>;
  }
  const logs = new Map<number, PartitionLog>();
  const active = new Set<{ stop(): Promise<void> }>();

  const logOf = (partition: number): PartitionLog => {
    let log = logs.get(partition);
    if (!log) logs.set(partition, (log = { signal: new Signal(), events: [], last: 0, cursors: new Set() }));
    return log;
  };

  /** Index of the first event with a sequence above `after`. */
  const firstAfter = (events: readonly RecordedEvent[], after: number): number => {
    let lo = 0;
    let hi = events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (events[mid]!.position.sequence <= after) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  /** Drops the events every subscriber of the partition has taken. */
  const dropTaken = (log: PartitionLog): void => {
    let taken = Infinity;
    for (const { cursor } of log.cursors) taken = Math.min(taken, cursor);
    const count = firstAfter(log.events, taken);
    if (count > 0) log.events.splice(0, count);
  };

  return {
    async publish(partition, events) {
      const log = logOf(partition);
      for (const event of events) {
        // Like JetStream's de-duplication: a republished event is dropped.
        if (event.position.sequence <= log.last) continue;
        log.events.push(event);
        log.last = event.position.sequence;
      }
      if (log.events.length > trimAbove) log.events.splice(0, log.events.length - retain);
      log.signal.fire();
    },

    async subscribe(partition, afterSequence, handler) {
      const log = logOf(partition);
      const position = { cursor: afterSequence };
      let stopped = false;
      log.cursors.add(position);
      const loop = (async () => {
        while (!stopped) {
          const start = firstAfter(log.events, position.cursor);
          if (start >= log.events.length) {
            await log.signal.wait(1_000);
            continue;
          }
          const batch = log.events.slice(start, start + batchSize);
          try {
            await handler(batch);
            position.cursor = batch.at(-1)!.position.sequence;
            dropTaken(log);
          } catch {
            await new Promise((resolve) => setTimeout(resolve, redeliveryDelayMs));
          }
        }
      })();
      const subscription: Subscription = {
        async stop() {
          stopped = true;
          log.signal.fire();
          await loop;
          log.cursors.delete(position);
          active.delete(subscription);
        },
      };
      active.add(subscription);
      return subscription;
    },

    async lastSequence(partition) {
      return logOf(partition).last;
    },

    async close() {
      await Promise.all([...active].map((subscription) => subscription.stop()));
    },
  };
}

/** The embedded notification bus: synchronous fan-out inside one process. */
export function createInProcessNotificationBus(): NotificationBus {
  const handlers = new Set<{
    matches: (subject: string) => boolean;
    handler: (subject: string, payload: unknown) => void;
  }>();
  return {
    async publish(subject, payload) {
      for (const entry of handlers) {
        if (entry.matches(subject)) {
          try {
            entry.handler(subject, payload);
          } catch {
            // A failing listener must not stop the others (fire-and-forget, like NATS core).
          }
        }
      }
    },
    async subscribe(pattern, handler) {
      const entry = { matches: subjectMatcher(pattern), handler };
      handlers.add(entry);
      return {
        async stop() {
          handlers.delete(entry);
        },
      };
    },
    async close() {
      handlers.clear();
    },
  };
}
