import { MongoErrorLabel, ReadConcern, WriteConcern } from 'mongodb';
import type { MongoError } from 'mongodb';
import type { ClientSession, Collection, MongoClient, TransactionOptions } from 'mongodb';
import { ConcurrencyError, UnavailableError } from '@ledger/platform';
import type { RecordedEvent } from '@ledger/platform';
import type { AppendRequest, AppendResult } from '../../ports/event-store.js';
import type { WriteMetrics } from '../../ports/metrics.js';
import { buildEnvelopes } from '../envelopes.js';
import { toEventDocument, toIdempotencyRecord } from './documents.js';
import type { AggregateDocument, EventDocument, IdempotencyDocument, PartitionDocument } from './documents.js';
import { LostRace, claim, isDuplicateKey } from './errors.js';

export interface AppendCollections {
  readonly events: Collection<EventDocument>;
  readonly partitions: Collection<PartitionDocument>;
  readonly aggregates: Collection<AggregateDocument>;
  readonly idempotency: Collection<IdempotencyDocument>;
}

/** What appends went through, counted per store (see MongoEventStore.stats). */
export interface AppendCounters {
  appends: number;
  /** Runs of an append's transaction after its first: each one followed a transient error, mostly a write conflict. */
  transactionRetries: number;
}

export interface AppendLimits {
  /**
   * Longest an append may take: the commit's own time on the server (maxCommitTimeMS, which covers
   * waiting for the majority) and the driver's retries of transient errors.
   */
  readonly timeoutMs: number;
}

/**
 * One append as one multi-document transaction: idempotency key, aggregate head, events, key record
 * and partition counter commit together or not at all, so appends to a partition take gap-free
 * sequences in commit order. `withTransaction` re-runs the whole callback on
 * TransientTransactionError (write conflicts included) and retries the commit on
 * UnknownTransactionCommitResult.
 *
 * A commit that times out (UNAVAILABLE) may still have happened: the client retries with the same
 * idempotency key, and the key record, committed in the same transaction, answers the first outcome.
 */
export async function appendInTransaction(
  client: Pick<MongoClient, 'withSession'>,
  collections: AppendCollections,
  request: AppendRequest,
  partition: number,
  limits: AppendLimits,
  counters: AppendCounters,
  metrics?: Pick<WriteMetrics, 'storeTransactionRetried'>,
): Promise<AppendResult> {
  const transactionOptions: TransactionOptions = {
    // Snapshot reads see one consistent state; majority commit makes an acknowledged append survive failover.
    readConcern: new ReadConcern('snapshot'),
    writeConcern: new WriteConcern('majority'),
    readPreference: 'primary',
    // A commit the majority cannot acknowledge in time fails with MaxTimeMSExpired, which the driver
    // does not retry; without it the commit (and every later append of the partition) would wait.
    maxCommitTimeMS: limits.timeoutMs,
  };
  const deadline = performance.now() + limits.timeoutMs;
  let runs = 0;
  counters.appends++;
  try {
    return await client.withSession((session) =>
      session.withTransaction((s) => {
        if (++runs > 1) {
          counters.transactionRetries++;
          metrics?.storeTransactionRetried();
        }
        // The driver retries transient errors for up to 120 s; past our own limit, stop (a non-driver
        // error aborts the transaction and is not retried).
        if (runs > 1 && performance.now() > deadline) {
          throw new UnavailableError(`append kept conflicting for ${limits.timeoutMs} ms`);
        }
        return attempt(collections, request, partition, s);
      }, transactionOptions),
    );
  } catch (error) {
    if (!(error instanceof LostRace)) throw error;
    return settleLostRace(collections, request, error);
  }
}

/**
 * One run of the transaction. Every operation carries `session`; the callback keeps no state
 * between runs, so the driver may run it again from the start.
 *
 * The partition counter is read at the start but written last: a document a transaction has
 * written stays locked against every other writer until that transaction commits (and a majority
 * commit takes a replication round trip), and every append to the partition writes the counter.
 * Written first, it would be locked for the whole transaction, and two write-services appending to
 * one partition would conflict on nearly every append; written last, only for the commit itself.
 * Snapshot isolation still catches a commit that moved the counter after this transaction read it
 * (its write is a WriteConflict, transient, and the whole callback runs again).
 */
async function attempt(
  { events, partitions, aggregates, idempotency }: AppendCollections,
  request: AppendRequest,
  partition: number,
  session: ClientSession,
): Promise<AppendResult> {
  const key = request.idempotency;
  // The key is checked before the version: a stale retry of a recorded command is a duplicate.
  if (key) {
    const existing = await idempotency.findOne({ _id: key.key }, { session });
    if (existing) return { status: 'duplicate', record: toIdempotencyRecord(existing) };
  }
  const head = await aggregates.findOne({ _id: request.aggregateId }, { session });
  const actual = head?.version ?? 0;
  if (actual !== request.expectedVersion) {
    throw new ConcurrencyError(request.aggregateId, request.expectedVersion, actual);
  }

  let recorded: RecordedEvent[] = [];
  let advance: (() => Promise<void>) | undefined;
  const count = request.events.length;
  if (count > 0) {
    const counter = await partitions.findOne({ _id: partition }, { session });
    if (!counter) throw new Error(`partition ${partition} has no counter document; was the store set up?`);
    const version = actual + count;
    if (head) {
      const moved = await aggregates.updateOne(
        { _id: request.aggregateId, version: actual },
        { $set: { version } },
        { session },
      );
      if (moved.matchedCount !== 1) throw new LostRace('aggregate');
    } else {
      const created: AggregateDocument = { _id: request.aggregateId, aggregateType: request.aggregateType, version };
      await claim('aggregate', aggregates.insertOne(created, { session }));
    }
    recorded = buildEnvelopes(request, partition, actual, counter.sequence);
    await events.insertMany(recorded.map(toEventDocument), { session }).catch(takenSequences);
    advance = async () => {
      const moved = await partitions.updateOne(
        { _id: partition, sequence: counter.sequence },
        { $set: { sequence: counter.sequence + count } },
        { session },
      );
      // Snapshot isolation makes a moved counter a WriteConflict above; no match means it is gone.
      if (moved.matchedCount !== 1) throw new Error(`partition ${partition} counter document disappeared`);
    };
  }
  if (key) {
    const record: IdempotencyDocument = { _id: key.key, fingerprint: key.fingerprint, result: key.result };
    await claim('idempotency', idempotency.insertOne(record, { session }));
  }
  await advance?.();
  return { status: 'appended', events: recorded };
}

/**
 * Events already at these sequences: a commit after this transaction's snapshot took them (the
 * counter write would conflict too). Labelled transient, the run is redone from the start, as the
 * driver does for a write conflict.
 */
function takenSequences(error: unknown): never {
  if (isDuplicateKey(error)) (error as MongoError).addErrorLabel(MongoErrorLabel.TransientTransactionError);
  throw error;
}

/** The transaction was aborted because a concurrent commit took a key: say what that commit left. */
async function settleLostRace(
  { aggregates, idempotency }: AppendCollections,
  request: AppendRequest,
  race: LostRace,
): Promise<AppendResult> {
  if (race.on === 'idempotency' && request.idempotency) {
    const existing = await idempotency.findOne({ _id: request.idempotency.key });
    if (existing) return { status: 'duplicate', record: toIdempotencyRecord(existing) };
    throw race;
  }
  const head = await aggregates.findOne({ _id: request.aggregateId });
  throw new ConcurrencyError(request.aggregateId, request.expectedVersion, head?.version ?? 0);
}
