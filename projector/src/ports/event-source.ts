import type { LedgerEvent } from '@ledger/schema';

export interface ReplayRequest {
  /** Replay events above these sequences (partition -> sequence); absent partitions start at 0. */
  readonly from?: Readonly<Record<number, number>>;
  /** Inclusive upper bounds; absent partitions end at their head when the replay starts. */
  readonly to?: Readonly<Record<number, number>>;
  /** Only these partitions (all when absent). */
  readonly partitions?: readonly number[];
  readonly aggregateTypes?: readonly string[];
}

/** Where one partition of the write side stands. */
export interface LogProgress {
  readonly partition: number;
  /** Last sequence committed. */
  readonly head: number;
  /** Last sequence the forwarder published on the bus. */
  readonly forwarder: number;
  /** Last sequence the transfer saga went past. */
  readonly saga: number;
  /** When the first event after the given checkpoint was written; null when there is none. */
  readonly nextOccurredAt: string | null;
}

/** The write side's event log as the projector reads it (over gRPC; directly in `ledger all`). */
export interface EventSource {
  /**
   * Committed events, per partition by sequence, partitions in ascending order, in pages: each page
   * holds events of one partition (a replay is long, and one step per page costs less than per event).
   */
  replay(request: ReplayRequest, signal?: AbortSignal): AsyncIterable<readonly LedgerEvent[]>;
  /** Last committed sequence of every partition. */
  heads(): Promise<number[]>;
  /** Every partition's progress; `checkpoints` (a reader's, by partition) ask for nextOccurredAt. */
  progress(checkpoints: readonly number[]): Promise<LogProgress[]>;
  close(): Promise<void>;
}
