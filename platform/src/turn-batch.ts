/** One item's outcome in a batch: its result, or the error that undid only that item. */
export type Outcome<Result> = { readonly result: Result } | { readonly error: unknown };

export interface TurnBatch<Item, Result> {
  /** Queues `item` for the next batch; settles with its own outcome once that batch ran. */
  submit(item: Item): Promise<Result>;
  /** Runs what is queued now, unless a batch is still running (then it runs right after it). */
  flush(): void;
  /** Resolves once nothing is queued or running. */
  idle(): Promise<void>;
}

/**
 * Gathers the items submitted in one turn of the event loop and runs them together, once, right
 * after the turn (setImmediate): one database transaction (and one sync) for every write the turn
 * made. `run` answers one outcome per item, in order; if it throws (or rejects), every item of the
 * batch fails with that error. When `run` works asynchronously (on another thread), one batch runs at
 * a time: what is submitted meanwhile makes the next batch, which starts as soon as it is over.
 * `ran` hears each batch after its callers have their outcomes.
 */
export function createTurnBatch<Item, Result>(
  run: (items: readonly Item[]) => readonly Outcome<Result>[] | Promise<readonly Outcome<Result>[]>,
  ran?: (items: readonly Item[], outcomes: readonly Outcome<Result>[]) => void,
): TurnBatch<Item, Result> {
  interface Queued {
    readonly item: Item;
    resolve(result: Result): void;
    reject(error: unknown): void;
  }
  let queue: Queued[] = [];
  let running: Promise<void> | undefined;

  const settle = (batch: readonly Queued[], outcomes: readonly Outcome<Result>[]): void => {
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
  const fail = (batch: readonly Queued[], error: unknown): void => {
    for (const queued of batch) queued.reject(error);
  };

  const flush = (): void => {
    if (running) return;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    let outcomes: readonly Outcome<Result>[] | Promise<readonly Outcome<Result>[]>;
    try {
      outcomes = run(batch.map((queued) => queued.item));
    } catch (error) {
      return fail(batch, error);
    }
    if (!(outcomes instanceof Promise)) return settle(batch, outcomes);
    running = outcomes
      .then(
        (done) => settle(batch, done),
        (error: unknown) => fail(batch, error),
      )
      .finally(() => {
        running = undefined;
        flush();
      });
  };

  return {
    submit: (item) =>
      new Promise<Result>((resolve, reject) => {
        if (queue.push({ item, resolve, reject }) === 1 && !running) setImmediate(flush);
      }),
    flush,
    async idle() {
      while (running || queue.length > 0) {
        flush();
        await running;
      }
    },
  };
}
