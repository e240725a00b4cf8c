import Database from 'better-sqlite3';
import { ConcurrencyError, UnavailableError, configureSqliteConnection } from '@ledger/platform/core';
import type { Outcome } from '@ledger/platform/core';
import { buildEnvelopes, withLeadPositions } from '../envelopes.js';
import type {
  AppendRequest,
  AppendResult,
  FollowUpResult,
  IdempotencyRecord,
  Snapshot,
} from '../../ports/event-store.js';

/** Where and how the store's writes go. */
export interface WriterOptions {
  readonly path: string;
  /** FULL survives power loss at commit; NORMAL (WAL) only process crashes. */
  readonly synchronous: 'FULL' | 'NORMAL';
  readonly busyTimeoutMs: number;
}

export interface Append {
  readonly request: AppendRequest;
  readonly partition: number;
  /** The partition of `request.followedBy`'s aggregate. */
  readonly followUpPartition?: number;
}

export interface CheckpointWrite {
  readonly worker: string;
  readonly partition: number;
  readonly sequence: number;
  readonly token: number;
}

/** What one turn of the event loop asks the store to write. */
export interface WriteBatch {
  readonly appends: readonly Append[];
  readonly checkpoints: readonly CheckpointWrite[];
  readonly snapshots: readonly Snapshot[];
}

export interface WriteOutcomes {
  readonly appends: Outcome<AppendResult>[];
  readonly checkpoints: Outcome<boolean>[];
  readonly snapshots: Outcome<void>[];
}

export interface StoreWriter {
  /** Writes a batch; each item has its own outcome. */
  write(batch: WriteBatch): WriteOutcomes;
}

/** Opens a connection to the store file in WAL mode. */
export function openStoreConnection(
  path: string,
  synchronous: 'FULL' | 'NORMAL',
  busyTimeoutMs: number,
): Database.Database {
  const connection = new Database(path, { timeout: busyTimeoutMs });
  configureSqliteConnection(connection, synchronous);
  return connection;
}

/**
 * Every write of the SQLite event store, wherever it runs (on the event loop for an in-memory store,
 * on the writer thread for a file). Appends run inside one `BEGIN IMMEDIATE` transaction per batch:
 * each checks the aggregate version, takes the partition's next sequences from `heads` and records
 * the idempotency key, in its own savepoint, so a conflict undoes only that append. A batch's
 * checkpoints share that transaction when it has appends or snapshots (one commit for all); a batch
 * of checkpoints alone, which only save work (losing one means an idempotent re-run), goes through a
 * connection that does not fsync at commit: the next FULL append syncs the WAL they sit in.
 */
export function createStoreWriter(db: Database.Database, noFsyncCheckpoints: Database.Database): StoreWriter {
  const sql = {
    currentVersion: db.prepare(`SELECT COALESCE(MAX(version), 0) FROM events WHERE aggregate_id = ?`).pluck(),
    head: db.prepare(`SELECT sequence FROM heads WHERE partition = ?`).pluck(),
    setHead: db.prepare(
      `INSERT INTO heads (partition, sequence) VALUES (?, ?)
       ON CONFLICT (partition) DO UPDATE SET sequence = excluded.sequence`,
    ),
    insertEvent: db.prepare(
      `INSERT INTO events (partition, sequence, event_id, aggregate_type, aggregate_id, version, type,
         schema_version, data, metadata, occurred_at)
       VALUES (@partition, @sequence, @event_id, @aggregate_type, @aggregate_id, @version, @type,
         @schema_version, @data, @metadata, @occurred_at)`,
    ),
    findKey: db.prepare(`SELECT key, fingerprint, result FROM idempotency WHERE key = ?`),
    insertKey: db.prepare(`INSERT INTO idempotency (key, fingerprint, result) VALUES (?, ?, ?)`),
    saveSnapshot: db.prepare(
      `INSERT INTO snapshots (aggregate_id, aggregate_type, version, state) VALUES (?, ?, ?, ?)
       ON CONFLICT (aggregate_id) DO UPDATE SET aggregate_type = excluded.aggregate_type,
         version = excluded.version, state = excluded.state
       WHERE excluded.version > snapshots.version`,
    ),
  };
  // Fencing: the update only happens for a token at least as new and a sequence not going back.
  const SET_CHECKPOINT = `INSERT INTO checkpoints (worker, partition, sequence, token) VALUES (?, ?, ?, ?)
    ON CONFLICT (worker, partition) DO UPDATE SET sequence = excluded.sequence, token = excluded.token
    WHERE excluded.token >= checkpoints.token AND excluded.sequence >= checkpoints.sequence`;
  const checkpointOn = (connection: Database.Database) => {
    const statement = connection.prepare(SET_CHECKPOINT);
    return ({ worker, partition, sequence, token }: CheckpointWrite): boolean =>
      statement.run(worker, partition, sequence, token).changes > 0;
  };

  /** One append, inside the caller's transaction or savepoint. */
  const appendOne = (request: AppendRequest, partition: number): AppendResult => {
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
  };
  // A follow-up in a savepoint of its own: its failure undoes it alone, not the append it follows.
  const followUpNow = db.transaction(appendOne);

  const appendNow = db.transaction(({ request, partition, followUpPartition }: Append): AppendResult => {
    const result = appendOne(request, partition);
    if (result.status !== 'appended' || !request.followedBy || followUpPartition === undefined) return result;
    let followedBy: FollowUpResult;
    try {
      followedBy = followUpNow(withLeadPositions(request.followedBy, result.events), followUpPartition);
    } catch (error) {
      if (!db.inTransaction) throw error;
      followedBy = { status: 'failed', reason: error instanceof Error ? error.message : String(error) };
    }
    return { ...result, followedBy };
  });

  /** Runs each item in its own savepoint; SQLite ending the whole transaction (I/O error, full disk) fails them all. */
  const eachAlone =
    <Item, Result>(connection: Database.Database, run: (item: Item) => Result) =>
    (items: readonly Item[]): Outcome<Result>[] =>
      items.map((item) => {
        try {
          return { result: run(item) };
        } catch (error) {
          if (!connection.inTransaction) throw error;
          return { error };
        }
      });

  const appendEach = eachAlone(db, appendNow);
  const snapshotEach = eachAlone(db, (snapshot: Snapshot): void => {
    sql.saveSnapshot.run(snapshot.aggregateId, snapshot.aggregateType, snapshot.version, snapshot.state);
  });
  const checkpointEach = eachAlone(db, checkpointOn(db));
  // Appends, snapshots and checkpoints of a batch share one transaction, and so one commit and fsync.
  const writeAll = db.transaction(
    (appends: readonly Append[], snapshots: readonly Snapshot[], checkpoints: readonly CheckpointWrite[]) => ({
      appends: appendEach(appends),
      snapshots: snapshotEach(snapshots),
      checkpoints: checkpointEach(checkpoints),
    }),
  );
  const checkpointAll = noFsyncCheckpoints.transaction(eachAlone(noFsyncCheckpoints, checkpointOn(noFsyncCheckpoints)));

  const failed = (items: readonly unknown[], error: unknown): Outcome<never>[] => items.map(() => ({ error }));

  return {
    write({ appends, snapshots, checkpoints }) {
      try {
        if (appends.length + snapshots.length > 0) return writeAll.immediate(appends, snapshots, checkpoints);
        return { appends: [], snapshots: [], checkpoints: checkpointAll.immediate(checkpoints) };
      } catch (error) {
        // The transaction did not commit: none of it holds.
        const failure = unavailableWhenBusy(error);
        return {
          appends: failed(appends, failure),
          snapshots: failed(snapshots, failure),
          checkpoints: failed(checkpoints, failure),
        };
      }
    },
  };
}

/**
 * The file's write lock held by another process for longer than the busy timeout (one stopped in the
 * middle of its commit, say) is a retryable condition, like the read model's busy file: the caller
 * gets an UnavailableError (gRPC UNAVAILABLE, GraphQL SERVICE_UNAVAILABLE) rather than the engine's
 * error, which would reach a client as an internal error that does not say whether anything was written.
 */
function unavailableWhenBusy(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED'
    ? new UnavailableError('the event store is busy: another process holds its write lock; nothing was written')
    : error;
}
