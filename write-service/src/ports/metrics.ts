/**
 * What the write service measures, as calls its code makes; an adapter turns them into metrics
 * (adapters/prometheus). Kept to counters and timings: nothing here may cost a command much.
 */
export interface WriteMetrics {
  /** A command answered at the gRPC edge: "OK" or the error code. */
  commandHandled(command: string, outcome: string, seconds: number): void;
  /** A command decided again on fresh state after another writer got to its aggregate first. */
  concurrencyRetried(aggregateType: string): void;
  /** A command whose idempotency key was recorded before: the first outcome was returned. */
  idempotentReplayed(aggregateType: string): void;
  /** A store commit of `appends` appends (one group commit in SQLite, one transaction in MongoDB). */
  appendsCommitted(appends: number, seconds: number): void;
  /**
   * A store transaction run again after a transient error: in MongoDB nearly always a write conflict
   * with another write-service appending to the same partition. SQLite waits for its write lock instead.
   */
  storeTransactionRetried(): void;
  /** A forwarder batch of one partition published and checkpointed. */
  eventsForwarded(partition: number, events: number, seconds: number): void;
}

/** Measures nothing: the default when no metrics are wanted (tests, tools). */
export const noWriteMetrics: WriteMetrics = {
  commandHandled: () => undefined,
  concurrencyRetried: () => undefined,
  idempotentReplayed: () => undefined,
  appendsCommitted: () => undefined,
  storeTransactionRetried: () => undefined,
  eventsForwarded: () => undefined,
};
