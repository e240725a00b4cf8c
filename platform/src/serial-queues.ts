/** One serial queue per key: work on one key runs one at a time, in call order; keys run side by side. */
export interface SerialQueues<Key> {
  /** Runs `work` once the work queued before it on `key` has settled; a failure rejects its own caller only. */
  run<T>(key: Key, work: () => Promise<T>): Promise<T>;
}

export function createSerialQueues<Key>(): SerialQueues<Key> {
  // The tail of each key's queue; it never rejects, and goes once the queue is empty.
  const tails = new Map<Key, Promise<void>>();
  return {
    run(key, work) {
      const result = (tails.get(key) ?? Promise.resolve()).then(work);
      const tail = result.then(
        () => undefined,
        () => undefined,
      );
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },
  };
}
