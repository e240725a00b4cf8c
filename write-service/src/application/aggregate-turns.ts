export interface AggregateTurns {
  /** Runs `work` once the work queued before it for the same aggregate has settled. */
  take<T>(aggregateId: string, work: () => Promise<T>): Promise<T>;
}

/**
 * Lets the commands on one aggregate in this process run one at a time. Run together they would
 * load the same version and all but one would fail at append (appends of one event-loop turn commit
 * together) and retry after a backoff; queued, each decides on the state the previous one left.
 */
export function createAggregateTurns(): AggregateTurns {
  // The tail of each aggregate's queue; it never rejects, and goes once the queue is empty.
  const tails = new Map<string, Promise<void>>();
  return {
    take(aggregateId, work) {
      const result = (tails.get(aggregateId) ?? Promise.resolve()).then(work);
      const tail = result.then(
        () => undefined,
        () => undefined,
      );
      tails.set(aggregateId, tail);
      void tail.then(() => {
        if (tails.get(aggregateId) === tail) tails.delete(aggregateId);
      });
      return result;
    },
  };
}
