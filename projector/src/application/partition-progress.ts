import type { PartitionProgress } from '@ledger/schema';
import type { EventSource } from '../ports/event-source.js';
import type { ReadModel } from '../ports/read-model.js';

export interface PartitionProgressOptions {
  readonly source: EventSource;
  readonly readModel: ReadModel;
  readonly now?: () => number;
}

/**
 * Every partition's progress: the read model's checkpoints first, then the store's positions, so
 * a lag is never negative (heads only grow).
 */
export async function readPartitionProgress(options: PartitionProgressOptions): Promise<PartitionProgress[]> {
  const checkpoints = await options.readModel.checkpoints();
  const log = await options.source.progress(checkpoints);
  const now = (options.now ?? Date.now)();
  return log.map(({ partition, head, forwarder, saga, nextOccurredAt }) => {
    const checkpoint = Math.min(checkpoints[partition] ?? 0, head);
    const oldest = nextOccurredAt === null ? now : Date.parse(nextOccurredAt);
    return {
      partition,
      storeHead: head,
      forwarderPosition: forwarder,
      sagaPosition: saga,
      checkpoint,
      lagEvents: head - checkpoint,
      lagSeconds: checkpoint < head ? Math.max(0, (now - oldest) / 1_000) : 0,
    };
  });
}

export type { PartitionProgress };
