import Database from 'better-sqlite3';
import { ConcurrencyError, createTurnBatch, partitionOf } from '@ledger/platform';
import type { Logger, Outcome, RecordedEvent } from '@ledger/platform';
import { upcastEvent, validateEventData } from '@ledger/schema';
import { buildEnvelopes } from '../envelopes.js';
import type { AppendRequest, AppendResult, EventStore, IdempotencyRecord, Snapshot } from '../../ports/event-store.js';
import type { WriteMetrics } from '../../ports/metrics.js';
import { SCHEMA } from './schema.js';
import type { EventRow } from './schema.js';

export interface SqliteEventStoreOptions {
  /** Database file (created if missing), or ':memory:'. */
  readonly path: string;
  /** Partition count; fixed for the life of a store file. */
  readonly partitions: number;
  /** How long a write waits for another process holding the lock. */
  readonly busyTimeoutMs?: number;
  /** FULL survives power loss at commit; NORMAL (WAL) only process crashes. */
  readonly synchronous?: 'FULL' | 'NORMAL';
  readonly logger?: Logger;
  /** Hears each group commit: how many appends it held and how long it took. */
  readonly metrics?: Pick<WriteMetrics, 'appendsCommitted'>;
}

// Events are read as the current shapes: older schema versions are upcast on the way out.
const toRecorded = (row: EventRow): RecordedEvent =>
  upcastEvent({
    eventId: row.event_id,
    aggregateType: row.aggregate_type,
    aggregateId: row.aggregate_id,
    version: row.version,
    type: row.type,
    schemaVersion: row.schema_version,
    data: JSON.parse(row.data) as unknown,
    metadata: JSON.parse(row.metadata) as RecordedEvent['metadata'],
    occurredAt: row.occurred_at,
    position: { partition: row.partition, sequence: row.sequence },
  });

/**
 * The embedded event store on SQLite. Every append runs inside a `BEGIN IMMEDIATE` transaction that
 * checks the aggregate version, takes the partition's next sequences from `heads` and records the
 * idempotency key, so several processes may share one file (WAL) and sequences stay gap-free in
 * commit order. Appends made in one turn of the event loop share that transaction (group commit),
 * and none is reported before it is committed.
 */
export function createSqliteEventStore(options: SqliteEventStoreOptions): EventStore {
  const { partitions } = options;
  if (!Number.isInteger(partitions) || partitions < 1) throw new Error(`partitions must be >= 1, got ${partitions}`);
  const open = (synchronous: 'FULL' | 'NORMAL') => {
    const connection = new Database(options.path, { timeout: options.busyTimeoutMs ?? 5_000 });
    connection.pragma('journal_mode = WAL');
    connection.pragma(`synchronous = ${synchronous}`);
    return connection;
  };
  const db = open(options.synchronous ?? 'FULL');
  db.transaction(() => {
    db.exec(SCHEMA);
    db.prepare(`INSERT OR IGNORE INTO store_meta (key, value) VALUES ('partitions', ?)`).run(String(partitions));
  }).immediate();
  const recorded = db.prepare(`SELECT value FROM store_meta WHERE key = 'partitions'`).pluck().get() as string;
  if (Number(recorded) !== partitions) {
    db.close();
    throw new Error(`store ${options.path} was created with ${recorded} partitions, not ${partitions}`);
  }
  // A checkpoint only saves work (losing one means an idempotent re-run), so it is written through a
  // connection that does not fsync at commit: the next FULL append syncs the WAL it sits in. NORMAL
  // still syncs around WAL checkpoints, so the appends it copies into the database stay durable.
  const inMemory = options.path === ':memory:' || options.path === '';
  const noFsyncCheckpoints = inMemory ? db : open('NORMAL');
  options.logger?.debug({ path: options.path, partitions }, 'sqlite event store open');

  const sql = {
    currentVersion: db.prepare(`SELECT COALESCE(MAX(version), 0) FROM events WHERE aggregate_id = ?`).pluck(),
    head: db.prepare(`SELECT sequence FROM heads WHERE partition = ?`).pluck(),
    setHead: db.prepare(
      `INSERT INTO heads (partition, sequence) VALUES (?, ?)
       ON CONFLICT (partition) DO UPDATE SET sequence = excluded.sequence`,
    ),
    heads: db.prepare(`SELECT partition, sequence FROM heads`),
    insertEvent: db.prepare(
      `INSERT INTO events (partition, sequence, event_id, aggregate_type, aggregate_id, version, type,
         schema_version, data, metadata, occurred_at)
       VALUES (@partition, @sequence, @event_id, @aggregate_type, @aggregate_id, @version, @type,
         @schema_version, @data, @metadata, @occurred_at)`,
    ),
    byAggregate: db.prepare(`SELECT * FROM events WHERE aggregate_id = ? AND version > ? ORDER BY version`),
    byPartition: db.prepare(`SELECT * FROM events WHERE partition = ? AND sequence > ? ORDER BY sequence LIMIT ?`),
    findKey: db.prepare(`SELECT key, fingerprint, result FROM idempotency WHERE key = ?`),
    insertKey: db.prepare(`INSERT INTO idempotency (key, fingerprint, result) VALUES (?, ?, ?)`),
    loadSnapshot: db.prepare(
      `SELECT aggregate_id, aggregate_type, version, state FROM snapshots WHERE aggregate_id = ?`,
    ),
    saveSnapshot: db.prepare(
      `INSERT INTO snapshots (aggregate_id, aggregate_type, version, state) VALUES (?, ?, ?, ?)
       ON CONFLICT (aggregate_id) DO UPDATE SET aggregate_type = excluded.aggregate_type,
         version = excluded.version, state = excluded.state
       WHERE excluded.version > snapshots.version`,
    ),
    getCheckpoint: db.prepare(`SELECT sequence FROM checkpoints WHERE worker = ? AND partition = ?`).pluck(),
    // Fencing: the update only happens for a token at least as new and a sequence not going back.
    setCheckpoint: noFsyncCheckpoints.prepare(
      `INSERT INTO checkpoints (worker, partition, sequence, token) VALUES (?, ?, ?, ?)
       ON CONFLICT (worker, partition) DO UPDATE SET sequence = excluded.sequence, token = excluded.token
       WHERE excluded.token >= checkpoints.token AND excluded.sequence >= checkpoints.sequence`,
    ),
  };

  const appendNow = db.transaction((request: AppendRequest, partition: number): AppendResult => {
    if (request.idempotency) {
      const existing = sql.findKey.get(request.idempotency.key) as IdempotencyRecord | undefined;
      if (existing) return { status: 'duplicate', record: existing };
    }
    const actual = sql.currentVersion.get(request.aggregateId) as number;
    if (actual !== request.expectedVersion) {
      throw new ConcurrencyError(request.aggregateId, request.expectedVersion, actual);
    }
    const head = (sql.head.get(partition) as number | undefined) ?? 0;
    const events = buildEnvelopes(request, partition, actual, head);
    for (const event of events) {
      sql.insertEvent.run({
        partition,
        sequence: event.position.sequence,
        event_id: event.eventId,
        aggregate_type: event.aggregateType,
        aggregate_id: event.aggregateId,
        version: event.version,
        type: event.type,
        schema_version: event.schemaVersion,
        data: JSON.stringify(event.data),
        metadata: JSON.stringify(event.metadata),
        occurred_at: event.occurredAt,
      });
    }
    if (events.length > 0) sql.setHead.run(partition, head + events.length);
    if (request.idempotency) {
      const { key, fingerprint, result } = request.idempotency;
      sql.insertKey.run(key, fingerprint, result);
    }
    return { status: 'appended', events };
  });

  interface Append {
    readonly request: AppendRequest;
    readonly partition: number;
  }

  // Appends queued in one turn of the event loop share a transaction and so one fsync. Each runs in
  // its own savepoint (appendNow nests), so a conflict or a bad row undoes only that append.
  const commitGroup = db.transaction((group: readonly Append[]): Outcome<AppendResult>[] =>
    group.map((item) => {
      try {
        return { result: appendNow(item.request, item.partition) };
      } catch (error) {
        // SQLite ends the whole transaction on an I/O error or a full disk: then none of it holds.
        if (!db.inTransaction) throw error;
        return { error };
      }
    }),
  );

  const listeners = new Set<(partition: number) => void>();
  const notify = (partition: number): void => {
    for (const listener of [...listeners]) {
      try {
        listener(partition);
      } catch (error) {
        options.logger?.warn({ err: error }, 'append listener failed');
      }
    }
  };

  const appends = createTurnBatch<Append, AppendResult>(
    (group) => {
      const started = performance.now();
      const outcomes = commitGroup.immediate(group);
      options.metrics?.appendsCommitted(group.length, (performance.now() - started) / 1_000);
      return outcomes;
    },
    (group, outcomes) => {
      const appended = new Set<number>();
      group.forEach((item, i) => {
        const outcome = outcomes[i]!;
        if ('result' in outcome && outcome.result.status === 'appended' && outcome.result.events.length > 0) {
          appended.add(item.partition);
        }
      });
      for (const partition of appended) notify(partition);
    },
  );

  // Checkpoints written in one turn (every partition's saga and forwarder) share one transaction too.
  interface CheckpointWrite {
    readonly worker: string;
    readonly partition: number;
    readonly sequence: number;
    readonly token: number;
  }
  const checkpoints = createTurnBatch<CheckpointWrite, boolean>(
    noFsyncCheckpoints.transaction((writes: readonly CheckpointWrite[]): Outcome<boolean>[] =>
      writes.map(({ worker, partition, sequence, token }) => ({
        result: sql.setCheckpoint.run(worker, partition, sequence, token).changes > 0,
      })),
    ).immediate,
  );

  return {
    partitions,

    async append(request) {
      for (const event of request.events) validateEventData(event.type, event.data, event.schemaVersion);
      const partition = partitionOf(request.aggregateId, partitions);
      return appends.submit({ request, partition });
    },

    async readAggregate(aggregateId, afterVersion = 0) {
      return (sql.byAggregate.all(aggregateId, afterVersion) as EventRow[]).map(toRecorded);
    },

    async readPartition(partition, afterSequence, limit) {
      return (sql.byPartition.all(partition, afterSequence, limit) as EventRow[]).map(toRecorded);
    },

    async heads() {
      const heads = new Array<number>(partitions).fill(0);
      for (const row of sql.heads.all() as Array<{ partition: number; sequence: number }>) {
        if (row.partition < partitions) heads[row.partition] = row.sequence;
      }
      return heads;
    },

    async findIdempotency(key) {
      return (sql.findKey.get(key) as IdempotencyRecord | undefined) ?? null;
    },

    async loadSnapshot(aggregateId) {
      const row = sql.loadSnapshot.get(aggregateId) as
        { aggregate_id: string; aggregate_type: string; version: number; state: string } | undefined;
      if (!row) return null;
      const snapshot: Snapshot = {
        aggregateId: row.aggregate_id,
        aggregateType: row.aggregate_type,
        version: row.version,
        state: row.state,
      };
      return snapshot;
    },

    async saveSnapshot(snapshot) {
      sql.saveSnapshot.run(snapshot.aggregateId, snapshot.aggregateType, snapshot.version, snapshot.state);
    },

    async getCheckpoint(worker, partition) {
      return (sql.getCheckpoint.get(worker, partition) as number | undefined) ?? 0;
    },

    setCheckpoint: (worker, partition, sequence, token) => checkpoints.submit({ worker, partition, sequence, token }),

    onAppend(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async close() {
      appends.flush();
      checkpoints.flush();
      listeners.clear();
      if (noFsyncCheckpoints.open) noFsyncCheckpoints.close();
      if (db.open) db.close();
    },
  };
}
