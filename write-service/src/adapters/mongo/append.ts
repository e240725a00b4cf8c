import { ReadConcern, WriteConcern } from 'mongodb';
import type { ClientSession, Collection, MongoClient, TransactionOptions } from 'mongodb';
import { ConcurrencyError } from '@ledger/platform';
import type { RecordedEvent } from '@ledger/platform';
import type { AppendRequest, AppendResult } from '../../ports/event-store.js';
import { recordEvents } from '../record-events.js';
import { toEventDocument, toIdempotencyRecord } from './documents.js';
import type { AggregateDocument, EventDocument, IdempotencyDocument, PartitionDocument } from './documents.js';
import { LostRace, claim } from './errors.js';

export interface AppendCollections {
  readonly events: Collection<EventDocument>;
  readonly partitions: Collection<PartitionDocument>;
  readonly aggregates: Collection<AggregateDocument>;
  readonly idempotency: Collection<IdempotencyDocument>;
}

// Snapshot reads see one consistent state; majority commit makes an acknowledged append survive failover.
const transactionOptions: TransactionOptions = {
  readConcern: new ReadConcern('snapshot'),
  writeConcern: new WriteConcern('majority'),
  readPreference: 'primary',
};

/**
 * One append as one multi-document transaction: idempotency key, aggregate head, partition counter,
 * events and the key record commit together or not at all. The partition counter is written inside
 * the transaction, so appends to a partition commit one after another and take gap-free sequences
 * in commit order. `withTransaction` retries the whole attempt on TransientTransactionError (write
 * conflicts included) and the commit on UnknownTransactionCommitResult.
 */
export async function appendInTransaction(
  client: MongoClient,
  collections: AppendCollections,
  request: AppendRequest,
  partition: number,
): Promise<AppendResult> {
  try {
    return await client.withSession((session) =>
      session.withTransaction((s) => attempt(collections, request, partition, s), transactionOptions),
    );
  } catch (error) {
    if (!(error instanceof LostRace)) throw error;
    return settleLostRace(collections, request, error);
  }
}

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
  const count = request.events.length;
  if (count > 0) {
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
    const counter = await partitions.findOneAndUpdate(
      { _id: partition },
      { $inc: { sequence: count } },
      { session, returnDocument: 'after' },
    );
    if (!counter) throw new Error(`partition ${partition} has no counter document; was the store set up?`);
    recorded = recordEvents(request, partition, actual, counter.sequence - count);
    await events.insertMany(recorded.map(toEventDocument), { session });
  }
  if (key) {
    const record: IdempotencyDocument = { _id: key.key, fingerprint: key.fingerprint, result: key.result };
    await claim('idempotency', idempotency.insertOne(record, { session }));
  }
  return { status: 'appended', events: recorded };
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
