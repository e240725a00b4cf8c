import type { EventMetadata, RecordedEvent } from '@ledger/platform';
import { upcastEvent } from '@ledger/schema';
import type { IdempotencyRecord, Snapshot } from '../../ports/event-store.js';

/** Collection names inside the store's database. */
export const COLLECTIONS = {
  events: 'events',
  /** One counter per partition: the last sequence committed there. */
  partitions: 'partitions',
  /** One head per aggregate: its current version, the target of the optimistic check. */
  aggregates: 'aggregates',
  idempotency: 'idempotency',
  snapshots: 'snapshots',
  checkpoints: 'checkpoints',
  meta: 'meta',
} as const;

/** An event as stored: the envelope flattened, `_id` = eventId, unique on (aggregateId, version) and (partition, sequence). */
export interface EventDocument {
  readonly _id: string;
  readonly partition: number;
  readonly sequence: number;
  readonly aggregateType: string;
  readonly aggregateId: string;
  readonly version: number;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
  readonly metadata: EventMetadata;
  readonly occurredAt: string;
}

export interface PartitionDocument {
  readonly _id: number;
  readonly sequence: number;
}

export interface AggregateDocument {
  readonly _id: string;
  readonly aggregateType: string;
  readonly version: number;
}

export interface IdempotencyDocument {
  readonly _id: string;
  readonly fingerprint: string;
  readonly result: string;
}

export interface SnapshotDocument {
  readonly _id: string;
  readonly aggregateType: string;
  readonly version: number;
  readonly state: string;
}

export interface CheckpointDocument {
  readonly _id: string;
  readonly worker: string;
  readonly partition: number;
  readonly sequence: number;
  readonly token: number;
}

/** What the database was created with; opening it with another partition count would move aggregates. */
export interface MetaDocument {
  readonly _id: 'store';
  readonly partitions: number;
}

export function toEventDocument(event: RecordedEvent): EventDocument {
  return {
    _id: event.eventId,
    partition: event.position.partition,
    sequence: event.position.sequence,
    aggregateType: event.aggregateType,
    aggregateId: event.aggregateId,
    version: event.version,
    type: event.type,
    schemaVersion: event.schemaVersion,
    data: event.data,
    metadata: event.metadata,
    occurredAt: event.occurredAt,
  };
}

/** The stored event as the current shapes (older schema versions upcast). */
export function toRecordedEvent(document: EventDocument): RecordedEvent {
  return upcastEvent({
    eventId: document._id,
    aggregateType: document.aggregateType,
    aggregateId: document.aggregateId,
    version: document.version,
    type: document.type,
    schemaVersion: document.schemaVersion,
    data: document.data,
    metadata: document.metadata,
    occurredAt: document.occurredAt,
    position: { partition: document.partition, sequence: document.sequence },
  });
}

export function toIdempotencyRecord(document: IdempotencyDocument): IdempotencyRecord {
  return { key: document._id, fingerprint: document.fingerprint, result: document.result };
}

export function toSnapshot(document: SnapshotDocument): Snapshot {
  return {
    aggregateId: document._id,
    aggregateType: document.aggregateType,
    version: document.version,
    state: document.state,
  };
}

/** One document per (worker, partition); the partition leads so no worker name can collide with another pair. */
export function checkpointId(worker: string, partition: number): string {
  return `${partition}/${worker}`;
}

/** Heads per partition from the counter documents (index = partition, 0 where none is stored). */
export function headsFrom(documents: readonly PartitionDocument[], partitions: number): number[] {
  const heads = new Array<number>(partitions).fill(0);
  for (const document of documents) {
    if (Number.isInteger(document._id) && document._id >= 0 && document._id < partitions) {
      heads[document._id] = document.sequence;
    }
  }
  return heads;
}
