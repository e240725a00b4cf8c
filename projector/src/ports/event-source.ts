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

/** The write side's event log as the projector reads it (over gRPC in every mode). */
export interface EventSource {
  /** Committed events, per partition by sequence, partitions in ascending order. */
  replay(request: ReplayRequest, signal?: AbortSignal): AsyncIterable<LedgerEvent>;
  /** Last committed sequence of every partition. */
  heads(): Promise<number[]>;
  close(): Promise<void>;
}
