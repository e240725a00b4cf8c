import type { PartitionProgress } from '@ledger/schema';

/** Reads every partition's progress (the projector's readPartitionProgress). */
export type ReadProgress = () => Promise<readonly PartitionProgress[]>;

/** A step of a running rebuild. */
export interface RebuildProgress {
  readonly phase: 'replaying' | 'catching-up' | 'swapping' | 'done';
  /** Events applied to the new generation so far. */
  readonly events: number;
  /** The store's heads the phase works towards. */
  readonly heads: readonly number[];
}

export interface RebuildOutcome {
  /** The generation swapped in. */
  readonly generation: string;
  readonly events: number;
}

/** Runs a read-model rebuild (the projector's rebuildBalance), reporting each step. */
export type RunRebuild = (onProgress: (progress: RebuildProgress) => void) => Promise<RebuildOutcome>;

export type { PartitionProgress };
