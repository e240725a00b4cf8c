import type { EventSource } from '../ports/event-source.js';
import type { ReadModel } from '../ports/read-model.js';

/** How far one partition has come, from the store to the read model. */
export interface PartitionProgress {
  readonly partition: number;
  /** Last sequence committed in the store. */
  readonly storeHead: number;
  /** Last sequence the forwarder published on the bus. */
  readonly forwarderPosition: number;
  /** Last sequence the transfer saga went past. */
  readonly sagaPosition: number;
  /** Last sequence the active read-model generation applied. */
  readonly checkpoint: number;
  /** Events committed but not yet in the read model. */
  readonly lagEvents: number;
  /** Age of the oldest event not yet in the read model (0 when it has them all). */
  readonly lagSeconds: number;
}

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
