/** One item's outcome in a batch: its result, or the error that undid only that item. */
export type Outcome<Result> = { readonly result: Result } | { readonly error: unknown };

export interface TurnBatch<Item, Result> {
  /** Queues `item` for the batch of this event-loop turn; settles with its own outcome once that batch ran. */
  submit(item: Item): Promise<Result>;
  /** Runs what is queued now (at close, say). */
  flush(): void;
}

/**
 * Gathers the items submitted in one turn of the event loop and runs them together, once, right
 * after the turn (setImmediate): one database transaction (and one sync) for every write the turn
 * made. `run` answers one outcome per item, in order; if it throws, every item of the batch fails
 * with that error. `ran` hears each batch after its callers have their outcomes.
 */
export function createTurnBatch<Item, Result>(
  run: (items: readonly Item[]) => readonly Outcome<Result>[],
  ran?: (items: readonly Item[], outcomes: readonly Outcome<Result>[]) => void,
): TurnBatch<Item, Result> {
  interface Queued {
    readonly item: Item;
    resolve(result: Result): void;
    reject(error: unknown): void;
  }
  let queue: Queued[] = [];
  const flush = (): void => {
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    let outcomes: readonly Outcome<Result>[];
    try {
      outcomes = run(batch.map((queued) => queued.item));
    } catch (error) {
      for (const queued of batch) queued.reject(error);
      return;
    }
    batch.forEach((queued, i) => {
      const outcome = outcomes[i]!;
      if ('error' in outcome) queued.reject(outcome.error);
      else queued.resolve(outcome.result);
    });
    ran?.(
      batch.map((queued) => queued.item),
      outcomes,
    );
  };
  return {
    submit: (item) =>
      new Promise<Result>((resolve, reject) => {
        if (queue.push({ item, resolve, reject }) === 1) setImmediate(flush);
      }),
    flush,
  };
}
