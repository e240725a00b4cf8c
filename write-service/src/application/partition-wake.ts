import type { EventStore } from '../ports/event-store.js';

export interface PartitionWake {
  /** Resolves at the next local append to the partition (or one since the last call), after `ms`, or on abort. */
  idle(ms: number, signal: AbortSignal): Promise<void>;
  stop(): void;
}

/**
 * Lets a partition worker sleep until something is appended. Appends that land between a worker's
 * read and its sleep are remembered, so none waits for the poll; other processes' appends are only
 * seen by polling.
 */
export function watchPartition(store: EventStore, partition: number): PartitionWake {
  let appended = false;
  let wake: (() => void) | undefined;
  const unsubscribe = store.onAppend((p) => {
    if (p !== partition) return;
    appended = true;
    wake?.();
  });
  return {
    idle(ms, signal) {
      return new Promise((resolve) => {
        if (appended || signal.aborted) {
          appended = false;
          return resolve();
        }
        const timer = setTimeout(done, ms);
        signal.addEventListener('abort', done, { once: true });
        wake = done;
        function done(): void {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          wake = undefined;
          appended = false;
          resolve();
        }
      });
    },
    stop: unsubscribe,
  };
}
