import type Database from 'better-sqlite3';
import { createTurnBatch, partitionOf } from '@ledger/platform/core';
import type { Logger, Outcome, RecordedEvent } from '@ledger/platform';
import { upcastEvent } from '@ledger/schema/events';
import type { WireEvent } from '@ledger/schema/events';
import type { AppendResult, EventStore, IdempotencyRecord, Snapshot } from '../../ports/event-store.js';
import type { WriteMetrics } from '../../ports/metrics.js';
import { createPartitionListeners } from '../../application/partition-listeners.js';
import { validateAppendData } from '../envelopes.js';
import { SCHEMA } from './schema.js';
import { createStoreWriter, openStoreConnection } from './writer.js';
import type { Append, CheckpointWrite, WriteBatch, WriteOutcomes, WriterOptions } from './writer.js';
import { startWriterThread } from './writer-thread.js';

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

// Events of each partition kept from this handle's own appends (up to twice as many between trims).
const TAIL_EVENTS = 256;
/**
 * How much of the store's file this thread's reads map into memory instead of copying each page
 * with a system call. A partition's events lie among the other partitions' (schema.ts), so reading
 * one partition after the other (a rebuild, a replay) comes back to the same pages, more of them
 * than the page cache keeps: a rebuild of 80,000 events went from 69,000 to 71,000 events/s to
 * 80,000 to 82,000 with the map (MEASUREMENTS.md). The pages a read touches count in the process's
 * RSS as file pages, which the kernel can take back; the writes do not go through the map.
 */
const READ_MAP_BYTES = 256 * 1024 * 1024;

/** Every table of SCHEMA, by name. */
const SCHEMA_TABLES = [...SCHEMA.matchAll(/CREATE TABLE IF NOT EXISTS (\w+)/g)].map((match) => match[1]!);

/** The partition count the file was made with, if it has every table of SCHEMA and that count. */
function recordedPartitions(db: Database.Database): string | undefined {
  const tables = new Set(db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all());
  if (!SCHEMA_TABLES.every((table) => tables.has(table))) return undefined;
  return db.prepare(`SELECT value FROM store_meta WHERE key = 'partitions'`).pluck().get() as string | undefined;
}

// Rows as arrays: building an object per row by column name costs more than the read itself.
const EVENT_COLUMNS = `event_id, aggregate_type, aggregate_id, version, type, schema_version, data, metadata,
  occurred_at, partition, sequence`;
type EventRow = [string, string, string, number, string, number, string, string, string, number, number];

const toWire = ([
  eventId,
  aggregateType,
  aggregateId,
  version,
  type,
  schemaVersion,
  dataJson,
  metadataJson,
  occurredAt,
  partition,
  sequence,
]: EventRow): WireEvent => ({
  eventId,
  aggregateType,
  aggregateId,
  version,
  type,
  schemaVersion,
  dataJson,
  metadataJson,
  occurredAt,
  partition,
  sequence,
});

// Events are read as the current shapes: older schema versions are upcast on the way out.
const toRecorded = (row: EventRow): RecordedEvent => {
  const wire = toWire(row);
  return upcastEvent({
    eventId: wire.eventId,
    aggregateType: wire.aggregateType,
    aggregateId: wire.aggregateId,
    version: wire.version,
    type: wire.type,
    schemaVersion: wire.schemaVersion,
    data: JSON.parse(wire.dataJson) as unknown,
    metadata: JSON.parse(wire.metadataJson) as RecordedEvent['metadata'],
    occurredAt: wire.occurredAt,
    position: { partition: wire.partition, sequence: wire.sequence },
  });
};

/** The appends an append's result wrote: its own and its follow-up's, each if it was appended. */
const appendsWritten = (result: AppendResult): number =>
  result.status === 'appended' ? 1 + (result.followedBy?.status === 'appended' ? 1 : 0) : 0;

/**
 * The embedded event store on SQLite. Every append runs inside a `BEGIN IMMEDIATE` transaction that
 * checks the aggregate version, takes the partition's next sequences from `heads` and records the
 * idempotency key, so several processes may share one file (WAL) and sequences stay gap-free in
 * commit order. The writes made in one turn of the event loop share that transaction (group commit),
 * and none is reported before it is committed. For a file, the writes run on a thread of their own
 * (writer-thread.ts), so the event loop never waits for a commit's fsync; reads stay on this thread.
 */
export function createSqliteEventStore(options: SqliteEventStoreOptions): EventStore {
  const { partitions } = options;
  if (!Number.isInteger(partitions) || partitions < 1) throw new Error(`partitions must be >= 1, got ${partitions}`);
  const writerOptions: WriterOptions = {
    path: options.path,
    synchronous: options.synchronous ?? 'FULL',
    busyTimeoutMs: options.busyTimeoutMs ?? 5_000,
  };
  const db = openStoreConnection(options.path, writerOptions.synchronous, writerOptions.busyTimeoutMs);
  db.pragma(`mmap_size = ${READ_MAP_BYTES}`);
  // A store made before needs no write: a process starting beside another that keeps committing (a
  // write service catching up after its peer died) would otherwise wait for the write lock, and may
  // not get it within the busy timeout. Reads never wait in WAL mode.
  let recorded = recordedPartitions(db);
  if (recorded === undefined) {
    db.transaction(() => {
      db.exec(SCHEMA);
      db.prepare(`INSERT OR IGNORE INTO store_meta (key, value) VALUES ('partitions', ?)`).run(String(partitions));
    }).immediate();
    recorded = recordedPartitions(db);
  }
  if (Number(recorded) !== partitions) {
    db.close();
    throw new Error(`store ${options.path} was created with ${recorded} partitions, not ${partitions}`);
  }
  // An in-memory database lives in this connection only: its writes stay on this thread.
  const inMemory = options.path === ':memory:' || options.path === '';
  const thread = inMemory ? undefined : startWriterThread(writerOptions);
  const local = inMemory ? createStoreWriter(db, db) : undefined;
  const write = (batch: WriteBatch): WriteOutcomes | Promise<WriteOutcomes> =>
    thread?.write(batch) ?? local!.write(batch);
  options.logger?.debug({ path: options.path, partitions }, 'sqlite event store open');

  const sql = {
    heads: db.prepare(`SELECT partition, sequence FROM heads`),
    byAggregate: db
      .prepare<[string, number], EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE aggregate_id = ? AND version > ? ORDER BY version`,
      )
      .raw(),
    byPartition: db
      .prepare<[number, number, number], EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE partition = ? AND sequence > ? ORDER BY sequence LIMIT ?`,
      )
      .raw(),
    findKey: db.prepare(`SELECT key, fingerprint, result FROM idempotency WHERE key = ?`),
    loadSnapshot: db.prepare(
      `SELECT aggregate_id, aggregate_type, version, state FROM snapshots WHERE aggregate_id = ?`,
    ),
    getCheckpoint: db.prepare(`SELECT sequence FROM checkpoints WHERE worker = ? AND partition = ?`).pluck(),
  };

  const listeners = createPartitionListeners((error) => options.logger?.warn({ err: error }, 'append listener failed'));

  type Write =
    | ({ readonly kind: 'append' } & Append)
    | ({ readonly kind: 'checkpoint' } & CheckpointWrite)
    | { readonly kind: 'snapshot'; readonly snapshot: Snapshot };
  type Written = AppendResult | boolean | void;

  /** Splits a turn's writes into the writer's batch, and its outcomes back into the writes' order. */
  const writeTurn = (writes: readonly Write[]): Outcome<Written>[] | Promise<Outcome<Written>[]> => {
    const batch: WriteBatch = {
      appends: writes.flatMap((w) =>
        w.kind === 'append'
          ? [{ request: w.request, partition: w.partition, followUpPartition: w.followUpPartition }]
          : [],
      ),
      checkpoints: writes.flatMap((w) =>
        w.kind === 'checkpoint'
          ? [{ worker: w.worker, partition: w.partition, sequence: w.sequence, token: w.token }]
          : [],
      ),
      snapshots: writes.flatMap((w) => (w.kind === 'snapshot' ? [w.snapshot] : [])),
    };
    const started = performance.now();
    const inOrder = (outcomes: WriteOutcomes): Outcome<Written>[] => {
      if (batch.appends.length > 0) {
        // What the commit wrote: an appended follow-up counts too, a conflict or a refused follow-up not.
        const appends = outcomes.appends.reduce(
          (count, outcome) => count + ('result' in outcome ? appendsWritten(outcome.result) : 0),
          0,
        );
        options.metrics?.appendsCommitted(appends, (performance.now() - started) / 1_000);
      }
      const next = { append: 0, checkpoint: 0, snapshot: 0 };
      return writes.map((w) => {
        const i = next[w.kind]++;
        return w.kind === 'append'
          ? outcomes.appends[i]!
          : w.kind === 'checkpoint'
            ? outcomes.checkpoints[i]!
            : outcomes.snapshots[i]!;
      });
    };
    const outcomes = write(batch);
    return outcomes instanceof Promise ? outcomes.then(inOrder) : inOrder(outcomes);
  };

  // The latest run of each partition's events appended through this handle, without holes: what its
  // partition workers (the forwarder, the saga) read next, right after the append woke them. An
  // event appended by another process breaks the run, and a read it does not cover goes to the file.
  // Once every worker that keeps a checkpoint of the partition through this handle has passed an
  // event, it leaves the run: held longer, every event outlived V8's young generation and died in
  // the old one (MEASUREMENTS.md).
  const tails = Array.from({ length: partitions }, () => [] as RecordedEvent[]);
  const passed = Array.from({ length: partitions }, () => new Map<string, number>());
  const dropPassed = (partition: number, worker: string, sequence: number): void => {
    const workers = passed[partition]!;
    workers.set(worker, Math.max(sequence, workers.get(worker) ?? 0));
    const tail = tails[partition]!;
    const first = tail[0]?.position.sequence;
    if (first === undefined) return;
    const below = Math.min(...workers.values());
    if (below >= first) tail.splice(0, Math.min(tail.length, below - first + 1));
  };
  const remember = (partition: number, events: readonly RecordedEvent[]): void => {
    let tail = tails[partition]!;
    for (const appended of events) {
      const event = upcastEvent(appended); // as a read from the file gives it
      if (tail.length > 0 && event.position.sequence !== tail.at(-1)!.position.sequence + 1) {
        tails[partition] = tail = [];
      }
      tail.push(event);
    }
    if (tail.length > 2 * TAIL_EVENTS) tails[partition] = tail.slice(-TAIL_EVENTS);
  };
  const fromTail = (partition: number, afterSequence: number, limit: number): RecordedEvent[] | undefined => {
    const tail = tails[partition]!;
    const first = tail[0]?.position.sequence;
    if (first === undefined || afterSequence + 1 < first || afterSequence >= tail.at(-1)!.position.sequence) return;
    const start = afterSequence + 1 - first;
    return tail.slice(start, start + limit);
  };

  const writes = createTurnBatch<Write, Written>(writeTurn, (done, outcomes) => {
    const appended = new Set<number>();
    done.forEach((w, i) => {
      const outcome = outcomes[i]!;
      if (w.kind === 'append' && 'result' in outcome) {
        const result = outcome.result as AppendResult;
        if (result.status === 'appended' && result.events.length > 0) {
          remember(w.partition, result.events);
          appended.add(w.partition);
        }
        const followedBy = result.status === 'appended' ? result.followedBy : undefined;
        if (followedBy?.status === 'appended' && w.followUpPartition !== undefined && followedBy.events.length > 0) {
          remember(w.followUpPartition, followedBy.events);
          appended.add(w.followUpPartition);
        }
      }
    });
    for (const partition of appended) listeners.wake(partition);
  });

  return {
    partitions,

    async append(request) {
      const { followedBy } = request;
      validateAppendData(request);
      const partition = partitionOf(request.aggregateId, partitions);
      const followUpPartition = followedBy && partitionOf(followedBy.aggregateId, partitions);
      return writes.submit({ kind: 'append', request, partition, followUpPartition }) as Promise<AppendResult>;
    },

    async readAggregate(aggregateId, afterVersion = 0) {
      return sql.byAggregate.all(aggregateId, afterVersion).map(toRecorded);
    },

    async readPartition(partition, afterSequence, limit) {
      return (
        fromTail(partition, afterSequence, limit) ??
        sql.byPartition.all(partition, afterSequence, limit).map(toRecorded)
      );
    },

    async readPartitionWire(partition, afterSequence, limit) {
      return sql.byPartition.all(partition, afterSequence, limit).map(toWire);
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
      await writes.submit({ kind: 'snapshot', snapshot });
    },

    async getCheckpoint(worker, partition) {
      return (sql.getCheckpoint.get(worker, partition) as number | undefined) ?? 0;
    },

    setCheckpoint(worker, partition, sequence, token) {
      dropPassed(partition, worker, sequence);
      return writes.submit({ kind: 'checkpoint', worker, partition, sequence, token }) as Promise<boolean>;
    },

    onAppend: (listener) => listeners.add(listener),

    async close() {
      await writes.idle();
      listeners.clear();
      await thread?.close();
      if (db.open) db.close();
    },
  };
}
