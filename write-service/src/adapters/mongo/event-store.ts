import { MongoClient, ReadConcern } from 'mongodb';
import type { Timestamp } from 'mongodb';
import { createSerialQueues, partitionOf } from '@ledger/platform';
import type { Logger } from '@ledger/platform';
import { encodeEvent } from '@ledger/schema';
import type { AppendRequest, AppendResult, EventStore } from '../../ports/event-store.js';
import { validateAppendData } from '../envelopes.js';
import { appendThenFollowUp } from '../follow-up.js';
import { appendInTransaction } from './append.js';
import type { AppendCounters } from './append.js';
import { createAppendSignal } from './append-signal.js';
import { COLLECTIONS, checkpointId, headsFrom, toIdempotencyRecord, toRecordedEvent, toSnapshot } from './documents.js';
import type {
  AggregateDocument,
  CheckpointDocument,
  EventDocument,
  IdempotencyDocument,
  PartitionDocument,
  SnapshotDocument,
} from './documents.js';
import { isDuplicateKey, translateError } from './errors.js';
import type { WriteMetrics } from '../../ports/metrics.js';
import { databaseInUrl, prepareDatabase, requireReplicaSet } from './setup.js';
import { watchAppends } from './wake.js';

export interface MongoEventStoreOptions {
  /** A replica set (multi-document transactions and change streams need one), e.g. `mongodb://host/ledger?replicaSet=rs0`. */
  readonly url: string;
  /** The database when the URL names none (default "ledger"); a database in the URL wins. */
  readonly database?: string;
  /**
   * Longest an append or a write may wait for the server, the majority's acknowledgement included
   * (default 10 s); past it the call fails UNAVAILABLE. The driver's own `timeoutMS` is a no-op in
   * this driver line (7.x), so the limit is set where the server enforces it: maxCommitTimeMS,
   * wtimeoutMS, and a bound on the transaction's retries.
   */
  readonly timeoutMs?: number;
  /** Partition count; fixed for the life of a database. */
  readonly partitions: number;
  readonly logger?: Logger;
  /** How often heads are polled for other processes' appends when no change stream is available. */
  readonly pollMs?: number;
  /** Wake listeners from a change stream (default) or only by polling heads. */
  readonly changeStream?: boolean;
  /** How long an operation waits for a usable server before failing as unavailable. */
  readonly serverSelectionTimeoutMs?: number;
  /** Hears each append transaction (batch size 1 here) and how long it took. */
  readonly metrics?: Pick<WriteMetrics, 'appendsCommitted' | 'storeTransactionRetried'>;
}

// Workers only ever see majority-committed events, so nothing they forward can be rolled back.
const committed = { readConcern: new ReadConcern('majority') };

/**
 * The distributed event store on MongoDB (replica set). Appends are multi-document transactions
 * (see append.ts); the database is prepared and its partition count checked before the store is
 * returned.
 */
/** What the store's appends went through since it opened; a snapshot, read whenever wanted. */
export interface MongoEventStoreStats {
  readonly appends: number;
  /**
   * Transaction runs redone after a transient error (nearly always a write conflict with another
   * process appending to the same partition); appends that conflicted ran more than once.
   */
  readonly transactionRetries: number;
}

export interface MongoEventStore extends EventStore {
  stats(): MongoEventStoreStats;
}

export async function createMongoEventStore(options: MongoEventStoreOptions): Promise<MongoEventStore> {
  const { partitions, logger } = options;
  if (!Number.isInteger(partitions) || partitions < 1) throw new Error(`partitions must be >= 1, got ${partitions}`);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const client = new MongoClient(options.url, {
    appName: 'ledger-write-service',
    // Event data is JSON: an undefined field is left out, as JSON.stringify would.
    ignoreUndefined: true,
    writeConcern: { w: 'majority', wtimeoutMS: timeoutMs },
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMs ?? 10_000,
  });
  const db = client.db(databaseInUrl(options.url) ?? options.database ?? 'ledger');
  let openedAt: Timestamp | undefined;
  try {
    await client.connect();
    await requireReplicaSet(db);
    openedAt = await prepareDatabase(client, db, partitions);
  } catch (error) {
    await client.close().catch(() => undefined);
    throw translateError(error);
  }
  logger?.debug({ database: db.databaseName, partitions }, 'mongo event store open');

  const collections = {
    events: db.collection<EventDocument>(COLLECTIONS.events),
    partitions: db.collection<PartitionDocument>(COLLECTIONS.partitions),
    aggregates: db.collection<AggregateDocument>(COLLECTIONS.aggregates),
    idempotency: db.collection<IdempotencyDocument>(COLLECTIONS.idempotency),
  };
  const snapshots = db.collection<SnapshotDocument>(COLLECTIONS.snapshots);
  const checkpoints = db.collection<CheckpointDocument>(COLLECTIONS.checkpoints);
  // Appends to one partition all bump its counter document, and MongoDB fails a transaction that
  // writes a document another open transaction has written (it does not wait). This process's
  // appends to a partition take turns, which keeps those conflicts to appends from other processes.
  const lanes = createSerialQueues<number>();
  const counters: AppendCounters = { appends: 0, transactionRetries: 0 };
  const signal = createAppendSignal(partitions, (error) => logger?.warn({ err: error }, 'append listener failed'));
  let closed: Promise<void> | undefined;

  const guarded = async <T>(operation: () => Promise<T>): Promise<T> => {
    try {
      return await operation();
    } catch (error) {
      throw translateError(error);
    }
  };

  const heads = () =>
    guarded(async () => headsFrom(await collections.partitions.find({}, committed).toArray(), partitions));

  // Watching starts with the store, so every commit after it opened wakes listeners.
  const watch = watchAppends({
    events: collections.events,
    heads,
    signal,
    changeStream: options.changeStream ?? true,
    startAtOperationTime: openedAt,
    pollMs: options.pollMs ?? 1_000,
    logger,
  });

  const readPartition: EventStore['readPartition'] = (partition, afterSequence, limit) => {
    // A limit of 0 means "no limit" to MongoDB; here it means no events.
    if (limit < 1) return Promise.resolve([]);
    return guarded(async () => {
      const found = await collections.events
        .find({ partition, sequence: { $gt: afterSequence } }, committed)
        .sort({ sequence: 1 })
        .limit(limit)
        .toArray();
      return found.map(toRecordedEvent);
    });
  };

  /** One append, in a transaction of its own (its events validated by `append`). */
  const appendOne = async (request: AppendRequest): Promise<AppendResult> => {
    const partition = partitionOf(request.aggregateId, partitions);
    const result = await guarded(() =>
      lanes.run(partition, async () => {
        const started = performance.now();
        const appended = await appendInTransaction(
          client,
          collections,
          request,
          partition,
          { timeoutMs },
          counters,
          options.metrics,
        );
        options.metrics?.appendsCommitted(1, (performance.now() - started) / 1_000);
        return appended;
      }),
    );
    const last = result.status === 'appended' ? result.events.at(-1) : undefined;
    if (last) signal.reached(partition, last.position.sequence);
    return result;
  };

  return {
    partitions,

    async append(request) {
      validateAppendData(request);
      // A transaction per append: the follow-up comes right after its lead, as its caller would append it.
      return appendThenFollowUp(appendOne, request);
    },

    readAggregate(aggregateId, afterVersion = 0) {
      return guarded(async () => {
        const found = await collections.events
          .find({ aggregateId, version: { $gt: afterVersion } })
          .sort({ version: 1 })
          .toArray();
        return found.map(toRecordedEvent);
      });
    },

    readPartition,

    async readPartitionWire(partition, afterSequence, limit) {
      return (await readPartition(partition, afterSequence, limit)).map(encodeEvent);
    },

    heads,

    findIdempotency(key) {
      return guarded(async () => {
        const found = await collections.idempotency.findOne({ _id: key });
        return found ? toIdempotencyRecord(found) : null;
      });
    },

    loadSnapshot(aggregateId) {
      return guarded(async () => {
        const found = await snapshots.findOne({ _id: aggregateId });
        return found ? toSnapshot(found) : null;
      });
    },

    saveSnapshot(snapshot) {
      return guarded(async () => {
        // Only a newer version replaces the stored one; an older one finds no match, and its upsert
        // then collides with the existing _id, which is the "keep the newest" outcome.
        await snapshots
          .updateOne(
            { _id: snapshot.aggregateId, version: { $lt: snapshot.version } },
            { $set: { aggregateType: snapshot.aggregateType, version: snapshot.version, state: snapshot.state } },
            { upsert: true },
          )
          .catch((error: unknown) => {
            if (!isDuplicateKey(error)) throw error;
          });
      });
    },

    getCheckpoint(worker, partition) {
      return guarded(async () => {
        const found = await checkpoints.findOne({ _id: checkpointId(worker, partition) }, committed);
        return found?.sequence ?? 0;
      });
    },

    setCheckpoint(worker, partition, sequence, token) {
      // Fencing: the write only matches a checkpoint written under a token no newer and a sequence
      // no further. A stored checkpoint that does not match turns the upsert into a duplicate _id.
      const write = () =>
        checkpoints.updateOne(
          { _id: checkpointId(worker, partition), token: { $lte: token }, sequence: { $lte: sequence } },
          { $set: { worker, partition, sequence, token } },
          { upsert: true },
        );
      return guarded(async () => {
        for (let attempt = 1; ; attempt++) {
          try {
            await write();
            return true;
          } catch (error) {
            // The first duplicate may be a first write racing another; the second is a real refusal.
            if (!isDuplicateKey(error)) throw error;
            if (attempt === 2) return false;
          }
        }
      });
    },

    stats: () => ({ ...counters }),

    onAppend(listener) {
      return signal.subscribe(listener);
    },

    close() {
      closed ??= (async () => {
        signal.clear();
        await watch.stop();
        await client.close();
      })();
      return closed;
    },
  };
}
