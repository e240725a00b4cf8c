import { startWait } from '@ledger/platform';
import type { Logger, PartitionTask, RecordedEvent } from '@ledger/platform';
import type { EventStore } from '../ports/event-store.js';

export interface BatchContext {
  readonly partition: number;
  /** The checkpoint the batch starts after. */
  readonly after: number;
  readonly signal: AbortSignal;
}

export interface PartitionWorkerOptions {
  readonly store: EventStore;
  /** Names the worker's checkpoint in the store (and its log lines). */
  readonly worker: string;
  readonly batchSize: number;
  /** How often to look for appends made by other processes. */
  readonly pollMs: number;
  readonly logger?: Logger;
  /** Sequence to start after; the worker's checkpoint by default. */
  readonly resumeAfter?: (partition: number) => Promise<number>;
  /**
   * Handles a batch of the partition's events (those after `after`), in order. Returns the sequence
   * it got through (the last event's, or less when `signal` aborted midway): the checkpoint to write.
   */
  readonly process: (events: readonly RecordedEvent[], batch: BatchContext) => Promise<number>;
}

/**
 * One worker per partition (the saga, the forwarder): reads the partition from its checkpoint,
 * processes a batch, writes the checkpoint fenced by the lease token (a worker whose lease has
 * passed on stops), and after a short batch waits for the next append or the poll.
 *
 * The checkpoint is written while the worker goes on with the next batch: the events appended
 * meanwhile do not wait for that commit too. Checkpoints are written one after the other, in order;
 * a refused one (fenced off) stops the worker before its next batch, and one that fails fails it. So
 * a worker whose lease has passed on may process one batch more than it would otherwise: the
 * saga's steps find their keys recorded, and the bus's consumers drop what they applied.
 */
export function createPartitionWorker(options: PartitionWorkerOptions): PartitionTask {
  const { store, worker, batchSize, pollMs } = options;
  const resumeAfter = options.resumeAfter ?? ((partition: number) => store.getCheckpoint(worker, partition));
  return async ({ partition, lease, signal }) => {
    const wake = watchAppends(store, partition);
    let checkpoints: Promise<void> = Promise.resolve();
    let stop: { fenced: true } | { failed: unknown } | undefined;
    const writeCheckpoint = (sequence: number): void => {
      checkpoints = checkpoints.then(async () => {
        if (stop) return;
        try {
          if (!(await store.setCheckpoint(worker, partition, sequence, lease.token))) stop = { fenced: true };
        } catch (error) {
          stop = { failed: error };
        }
      });
    };
    try {
      let after = await resumeAfter(partition);
      while (!signal.aborted && !stop) {
        const events = await store.readPartition(partition, after, batchSize);
        if (events.length > 0) {
          const done = await options.process(events, { partition, after, signal });
          writeCheckpoint(done);
          after = done;
        }
        // A short batch reached the head: no need to read again before the next append wakes us.
        if (events.length < batchSize && !stop) await wake.idle(pollMs, signal);
      }
    } finally {
      await checkpoints;
      wake.stop();
    }
    if (stop && 'failed' in stop) throw stop.failed;
    if (stop) options.logger?.warn({ partition, token: lease.token }, `${worker} fenced off by a newer lease`);
  };
}

interface AppendWatch {
  /** Resolves at the next local append to the partition (or one since the last call), after `ms`, or on abort. */
  idle(ms: number, signal: AbortSignal): Promise<void>;
  stop(): void;
}

/**
 * Lets a partition worker sleep until something is appended. Appends that land between a worker's
 * read and its sleep are remembered, so none waits for the poll; other processes' appends are seen
 * by polling, or as soon as their notice arrives where the store shares its signals (append-signals.ts).
 */
function watchAppends(store: EventStore, partition: number): AppendWatch {
  let appended = false;
  let wake: (() => void) | undefined;
  const stop = store.onAppend((p) => {
    if (p !== partition) return;
    appended = true;
    wake?.();
  });
  return {
    async idle(ms, signal) {
      if (!appended) {
        const wait = startWait(ms, signal);
        wake = wait.wake;
        await wait.done;
        wake = undefined;
      }
      appended = false;
    },
    stop,
  };
}
