import type { EventMetadata, RecordedEvent } from '@ledger/platform';
import type { WireEvent } from '@ledger/schema';

/** An event a command produced, before the store gives it a version and a position. */
export interface NewEvent {
  readonly eventId: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: EventMetadata;
  /** ISO-8601, from the injected clock. */
  readonly occurredAt: string;
  readonly schemaVersion?: number;
}

/** What a command with an idempotency key leaves behind, written atomically with its events. */
export interface IdempotencyRecord {
  readonly key: string;
  /** Hash of the command's arguments: the same key with other arguments is refused. */
  readonly fingerprint: string;
  /** The command's result as JSON (e.g. transaction id and position). */
  readonly result: string;
}

export interface AppendRequest {
  readonly aggregateType: string;
  readonly aggregateId: string;
  /** Version the command decided on; 0 for a new aggregate. */
  readonly expectedVersion: number;
  readonly events: readonly NewEvent[];
  readonly idempotency?: IdempotencyRecord;
  /**
   * Another aggregate's append to make once this one has appended (not when its key was recorded
   * before, nor when it fails), the positions of this one's events added to the `positions` of the
   * follow-up's first event's data: a saga's step and the settlement that records where the step
   * landed. Where the store can, it commits both at once (SQLite); else it appends the follow-up
   * right after (MongoDB), as its caller would. The follow-up failing (its aggregate moved on) leaves
   * this append as it is; the result says what became of it.
   */
  readonly followedBy?: AppendRequest;
}

/** What became of an append's follow-up: appended, its key recorded before, or refused (`reason`). */
export type FollowUpResult = AppendResult | { readonly status: 'failed'; readonly reason: string };

export type AppendResult =
  | { readonly status: 'appended'; readonly events: readonly RecordedEvent[]; readonly followedBy?: FollowUpResult }
  /** The idempotency key was already recorded: nothing was written. */
  | { readonly status: 'duplicate'; readonly record: IdempotencyRecord };

export interface Snapshot {
  readonly aggregateId: string;
  readonly aggregateType: string;
  readonly version: number;
  /** JSON of the aggregate state at `version`. */
  readonly state: string;
}

/**
 * The event store. Appends are atomic and optimistic: the aggregate must be at `expectedVersion`
 * (else ConcurrencyError). The store assigns `version`, `partition = partitionOf(aggregateId, P)`
 * and a gap-free `sequence` per partition in commit order.
 */
export interface EventStore {
  readonly partitions: number;
  append(request: AppendRequest): Promise<AppendResult>;
  /** Events of one aggregate with a version above `afterVersion`, by version. */
  readAggregate(aggregateId: string, afterVersion?: number): Promise<RecordedEvent[]>;
  /** Events of one partition with a sequence above `afterSequence`, at most `limit`, by sequence. */
  readPartition(partition: number, afterSequence: number, limit: number): Promise<RecordedEvent[]>;
  /**
   * The events of `readPartition` in wire form, data and metadata as JSON text, as an adapter holds
   * them at least cost (not upcast: the reader's decodeEvent does that). What a replay streams: it
   * would otherwise parse every event only to serialise it again.
   */
  readPartitionWire(partition: number, afterSequence: number, limit: number): Promise<WireEvent[]>;
  /** Last sequence committed per partition (index = partition, 0 when empty). */
  heads(): Promise<number[]>;
  findIdempotency(key: string): Promise<IdempotencyRecord | null>;
  loadSnapshot(aggregateId: string): Promise<Snapshot | null>;
  saveSnapshot(snapshot: Snapshot): Promise<void>;
  /** Progress of a store-side worker (forwarder, saga) per partition. */
  getCheckpoint(worker: string, partition: number): Promise<number>;
  /**
   * Records progress if `token` (the worker's lease fencing token) is not older than the one that
   * last wrote it and the sequence moves forward; returns false when fenced off.
   */
  setCheckpoint(worker: string, partition: number, sequence: number, token: number): Promise<boolean>;
  /** Wake-up for local workers after a commit through this handle (see append-signals.ts for others'). Returns an unsubscribe. */
  onAppend(listener: (partition: number) => void): () => void;
  close(): Promise<void>;
}
