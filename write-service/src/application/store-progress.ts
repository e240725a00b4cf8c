import type { EventStore } from '../ports/event-store.js';
import { FORWARDER_WORKER } from './forwarder.js';
import { SAGA_WORKER } from './saga.js';

/** Where one partition of the store stands. */
export interface StorePartitionProgress {
  readonly partition: number;
  /** Last sequence committed. */
  readonly head: number;
  /** Last sequence the forwarder published on the bus. */
  readonly forwarder: number;
  /** Last sequence the transfer saga went past. */
  readonly saga: number;
  /** occurredAt of the first event after the reader's checkpoint, or null when it has them all. */
  readonly nextOccurredAt: string | null;
}

/**
 * The store's heads and its workers' checkpoints, per partition; with a reader's checkpoints (a
 * projection's), also when the oldest event it has not applied yet was written: its lag in time.
 * Partitions without a reader checkpoint (holes in the array) get no nextOccurredAt.
 */
export async function readStoreProgress(
  store: EventStore,
  readerCheckpoints: readonly number[] = [],
): Promise<StorePartitionProgress[]> {
  const heads = await store.heads();
  return Promise.all(
    heads.map(async (head, partition) => {
      const after = readerCheckpoints[partition] ?? head;
      const [forwarder, saga, next] = await Promise.all([
        store.getCheckpoint(FORWARDER_WORKER, partition),
        store.getCheckpoint(SAGA_WORKER, partition),
        after < head ? store.readPartition(partition, after, 1) : Promise.resolve([]),
      ]);
      return { partition, head, forwarder, saga, nextOccurredAt: next[0]?.occurredAt ?? null };
    }),
  );
}
