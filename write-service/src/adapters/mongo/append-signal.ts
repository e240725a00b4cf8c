import { createPartitionListeners } from '../../application/partition-listeners.js';

/** Tells local listeners that a partition grew, once per new head whichever source saw it first. */
export interface AppendSignal {
  subscribe(listener: (partition: number) => void): () => void;
  /**
   * A commit in `partition` reached `sequence`. Listeners wake only if it is beyond what was
   * already announced, so a local append that the change stream reports again wakes nobody twice.
   */
  reached(partition: number, sequence: number): void;
  readonly listenerCount: number;
  clear(): void;
}

export function createAppendSignal(
  partitions: number,
  onListenerError: (error: unknown) => void = () => undefined,
): AppendSignal {
  const listeners = createPartitionListeners(onListenerError);
  const announced = new Array<number>(partitions).fill(0);
  return {
    subscribe: (listener) => listeners.add(listener),
    reached(partition, sequence) {
      if (!(partition >= 0 && partition < partitions) || !(sequence > announced[partition]!)) return;
      announced[partition] = sequence;
      listeners.wake(partition);
    },
    get listenerCount() {
      return listeners.size;
    },
    clear: () => listeners.clear(),
  };
}
