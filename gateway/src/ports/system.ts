/** How far one partition has come, from the store to the read model. */
export interface PartitionProgress {
  readonly partition: number;
  /** Last sequence committed in the store. */
  readonly storeHead: number;
  /** Last sequence the forwarder published on the bus. */
  readonly forwarderPosition: number;
  /** Last sequence the transfer saga went past. */
  readonly sagaPosition: number;
  /** Last sequence the active read model applied. */
  readonly checkpoint: number;
  /** Events committed but not yet in the read model. */
  readonly lagEvents: number;
  /** Age of the oldest event not yet in the read model (0 when it has them all). */
  readonly lagSeconds: number;
}

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
