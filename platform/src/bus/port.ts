import type { RecordedEvent } from '../envelope.js';

/**
 * Ordered, partitioned, at-least-once log of committed events.
 * Publishing the same event twice is harmless: consumers apply by position.
 */
export interface EventBus {
  publish(partition: number, events: readonly RecordedEvent[]): Promise<void>;
  /**
   * Delivers the partition's events with a sequence above `afterSequence`, in order, one batch at
   * a time; the next batch waits until the handler's promise settles. A handler that throws gets
   * the batch again (redelivery). Delivery may skip events the bus no longer holds: consumers
   * detect the gap by sequence and fill it from the store.
   */
  subscribe(
    partition: number,
    afterSequence: number,
    handler: (events: readonly RecordedEvent[]) => Promise<void>,
  ): Promise<Subscription>;
  /**
   * Highest sequence the bus has received for the partition (0 when none), whether or not it still
   * holds that event. A forwarder that restarts resumes after it, so events the bus already had are
   * not published again.
   */
  lastSequence(partition: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * Fire-and-forget notifications (balance changed, transaction settled, checkpoints) on subjects
 * `ledger.notify.*`. Patterns use NATS wildcards: `*` one token, `>` the rest.
 */
export interface NotificationBus {
  publish(subject: string, payload: unknown): Promise<void>;
  subscribe(pattern: string, handler: (subject: string, payload: unknown) => void): Promise<Subscription>;
  close(): Promise<void>;
}

export interface Subscription {
  stop(): Promise<void>;
}

/**
 * NATS-style subject match for `pattern`, its tokens split once: `*` matches one token, a trailing
 * `>` one or more. The subject is read in place, not split: every notification meets every
 * subscription of the in-process bus.
 */
export function subjectMatcher(pattern: string): (subject: string) => boolean {
  const tokens = pattern.split('.');
  return (subject) => {
    // Where the subject's next token starts; -1 once every token of it has been matched.
    let start = 0;
    for (const token of tokens) {
      if (token === '>') return start !== -1;
      if (start === -1) return false;
      const dot = subject.indexOf('.', start);
      const end = dot === -1 ? subject.length : dot;
      if (token !== '*' && (end - start !== token.length || !subject.startsWith(token, start))) return false;
      start = dot === -1 ? -1 : dot + 1;
    }
    return start === -1;
  };
}
