/**
 * Who hears that a partition grew: the stores' `onAppend` (SQLite, MongoDB) and the notices of other
 * processes sharing a store (append-signals.ts). Each listener is called in turn; one that throws is
 * reported and does not keep the others from hearing it.
 */
export interface PartitionListeners {
  /** Adds a listener; returns its removal. */
  add(listener: (partition: number) => void): () => void;
  wake(partition: number): void;
  readonly size: number;
  clear(): void;
}

export function createPartitionListeners(onListenerError: (error: unknown) => void): PartitionListeners {
  const listeners = new Set<(partition: number) => void>();
  return {
    add(listener) {
      // A wrapper per subscription, so one listener added twice is removed once per removal.
      const entry = (partition: number) => listener(partition);
      listeners.add(entry);
      return () => {
        listeners.delete(entry);
      };
    },
    wake(partition) {
      for (const listener of [...listeners]) {
        try {
          listener(partition);
        } catch (error) {
          onListenerError(error);
        }
      }
    },
    get size() {
      return listeners.size;
    },
    clear() {
      listeners.clear();
    },
  };
}
