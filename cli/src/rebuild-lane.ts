import { Worker } from 'node:worker_threads';
import { UnavailableError } from '@ledger/platform';
import { decodeError } from '@ledger/platform/core';
import type { ThreadError } from '@ledger/platform/core';
import type { RebuildLane } from '@ledger/projector';

/** Where the lane's thread finds the store and the read model, and what it copies. */
export interface LaneThreadData {
  readonly storePath: string;
  readonly readModelPath: string;
  readonly partitions: number;
  /** Events per store read, as the process's own reads of the store take them. */
  readonly pageSize: number;
  readonly generation: string;
  readonly to: readonly number[];
  readonly claims: SharedArrayBuffer;
  readonly batchSize: number;
}

/** What the lane's thread tells: a commit's events, the end with the events copied, or its failure. */
export type LaneMessage = { readonly committed: number } | { readonly done: number } | { readonly failed: ThreadError };

/**
 * A rebuild's lane on a thread of its own, for a store and a read model that are SQLite files of this
 * process: the thread opens its own connections to both and copies the partitions it claims
 * (rebuild-lane-worker.ts). It starts with the rebuild's replay and ends with it (loading its modules
 * takes it about 150 ms), and nothing of it stays between rebuilds.
 */
export function threadRebuildLane(
  files: Pick<LaneThreadData, 'storePath' | 'readModelPath' | 'partitions' | 'pageSize'>,
): RebuildLane {
  return {
    copy: (request, signal) =>
      new Promise<number>((resolve, reject) => {
        signal.throwIfAborted();
        const { generation, to, claims, batchSize } = request;
        const workerData: LaneThreadData = { ...files, generation, to, claims, batchSize };
        const worker = new Worker(new URL('./rebuild-lane-worker.js', import.meta.url), { workerData });
        const stop = () => {
          void worker.terminate();
          reject(signal.reason);
        };
        signal.addEventListener('abort', stop, { once: true });
        const settle = () => signal.removeEventListener('abort', stop);
        worker.on('message', (message: LaneMessage) => {
          if ('committed' in message) return request.onCommitted(message.committed);
          settle();
          if ('done' in message) resolve(message.done);
          else reject(decodeError(message.failed));
        });
        worker.on('error', (error) => {
          settle();
          reject(new UnavailableError(`a rebuild's lane failed: ${error.message}`));
        });
        worker.on('exit', (code) => {
          settle();
          reject(new UnavailableError(`a rebuild's lane exited (${code}) before it was done`));
        });
      }),
  };
}
