/** Runs tasks one at a time per partition, in call order; partitions run independently. */
export interface PartitionLanes {
  run<T>(partition: number, task: () => Promise<T>): Promise<T>;
}

/**
 * Appends to one partition all bump its counter document, and MongoDB fails a transaction that
 * writes a document another open transaction has written (it does not wait). Letting this
 * process's appends to a partition take turns keeps those conflicts, and the driver's backoff
 * retries, to appends coming from other processes.
 */
export function createPartitionLanes(): PartitionLanes {
  const tails = new Map<number, Promise<void>>();
  return {
    run(partition, task) {
      const previous = tails.get(partition) ?? Promise.resolve();
      const result = previous.then(task);
      const tail = result.then(
        () => undefined,
        () => undefined,
      );
      tails.set(partition, tail);
      void tail.then(() => {
        if (tails.get(partition) === tail) tails.delete(partition);
      });
      return result;
    },
  };
}
