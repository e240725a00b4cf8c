import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MongoServerError } from 'mongodb';
import { ConcurrencyError, UnavailableError } from '@ledger/platform';
import type { AppendRequest, AppendResult } from '../../ports/event-store.js';
import { createRecordingMongo, writeConflict } from '../../testing/recording-mongo.js';
import type { RecordingMongo } from '../../testing/recording-mongo.js';
import { appendInTransaction } from './append.js';
import type { AppendCounters } from './append.js';
import { translateError } from './errors.js';

const PARTITION = 3;

const request = (overrides: Partial<AppendRequest> = {}): AppendRequest => ({
  aggregateType: 'Account',
  aggregateId: 'acc-1',
  expectedVersion: 0,
  events: [
    { eventId: `e-${Math.random()}`, type: 'AccountOpened', data: { owner: 'ada' }, metadata: {}, occurredAt: 'now' },
  ],
  ...overrides,
});

/** A store with the partition's counter at `sequence` (as setup leaves it) and `aggregates` heads. */
function store(sequence = 0, aggregates: Record<string, number> = {}): RecordingMongo {
  const mongo = createRecordingMongo();
  mongo.committed('partitions').set(PARTITION, { _id: PARTITION, sequence });
  for (const [id, version] of Object.entries(aggregates)) {
    mongo.committed('aggregates').set(id, { _id: id, aggregateType: 'Account', version });
  }
  return mongo;
}

async function append(
  mongo: RecordingMongo,
  appendRequest: AppendRequest,
  timeoutMs = 10_000,
): Promise<{ result?: AppendResult; error?: unknown; counters: AppendCounters; retriesMetered: number }> {
  const counters: AppendCounters = { appends: 0, transactionRetries: 0 };
  let retriesMetered = 0;
  const metrics = { storeTransactionRetried: () => void retriesMetered++ };
  try {
    const result = await appendInTransaction(
      mongo.client,
      mongo.collections,
      appendRequest,
      PARTITION,
      { timeoutMs },
      counters,
      metrics,
    );
    return { result, counters, retriesMetered };
  } catch (error) {
    return { error: translateError(error), counters, retriesMetered };
  }
}

/** Every call made inside a transaction run carried that run's session, and no call inside went without. */
function assertOneSessionPerTransaction(mongo: RecordingMongo): void {
  const inside = mongo.operations.filter((operation) => operation.run !== undefined);
  assert.ok(inside.length > 0);
  const session = mongo.sessions.at(-1);
  for (const operation of inside) {
    assert.equal(operation.session, session, `${operation.collection}.${operation.operation} without the session`);
  }
}

/** The calls of the last transaction run, as "collection.operation". */
const lastRun = (mongo: RecordingMongo): string[] => {
  const run = mongo.operations.at(-1)?.run;
  return mongo.operations
    .filter((operation) => operation.run === run)
    .map((operation) => `${operation.collection}.${operation.operation}`);
};

describe('mongo append transaction (recording fake)', () => {
  test('a new aggregate: every call carries the session, and the partition counter is written last', async () => {
    const mongo = store(7);
    const { result, retriesMetered } = await append(
      mongo,
      request({ idempotency: { key: 'k', fingerprint: 'f', result: 'r' } }),
    );
    assert.equal(result?.status, 'appended');
    assert.deepEqual(result.status === 'appended' && result.events.map((event) => event.position.sequence), [8]);
    assert.equal(retriesMetered, 0);
    assertOneSessionPerTransaction(mongo);
    assert.deepEqual(lastRun(mongo), [
      'idempotency.findOne',
      'aggregates.findOne',
      'partitions.findOne',
      'aggregates.insertOne',
      'events.insertMany',
      'idempotency.insertOne',
      'partitions.updateOne',
    ]);
    assert.equal(mongo.committed('partitions').get(PARTITION)?.sequence, 8);
  });

  test('an existing aggregate, a recorded key and a stale version: each path keeps the session', async () => {
    const existing = store(2, { 'acc-1': 1 });
    const appended = await append(existing, request({ expectedVersion: 1 }));
    assert.equal(appended.result?.status, 'appended');
    assertOneSessionPerTransaction(existing);
    assert.equal(lastRun(existing).at(-1), 'partitions.updateOne');

    const keyed = store(0);
    keyed.committed('idempotency').set('k', { _id: 'k', fingerprint: 'f', result: 'earlier' });
    const duplicate = await append(keyed, request({ idempotency: { key: 'k', fingerprint: 'f', result: 'r' } }));
    assert.deepEqual(duplicate.result, {
      status: 'duplicate',
      record: { key: 'k', fingerprint: 'f', result: 'earlier' },
    });
    assertOneSessionPerTransaction(keyed);

    const stale = store(0, { 'acc-1': 4 });
    const refused = await append(stale, request({ expectedVersion: 2 }));
    assert.ok(refused.error instanceof ConcurrencyError);
    assertOneSessionPerTransaction(stale);
    assert.equal(stale.committed('events').size, 0);
  });

  test('a write conflict on the counter re-runs the whole callback, which takes the sequences after the other commit', async () => {
    const mongo = store(5);
    // Another process commits an append to the partition; ours then conflicts on the counter.
    mongo.failNext('partitions', 'updateOne', writeConflict(), (committed) => {
      committed('partitions').set(PARTITION, { _id: PARTITION, sequence: 6 });
      committed('events').set('other', {
        _id: 'other',
        partition: PARTITION,
        sequence: 6,
        aggregateId: 'x',
        version: 1,
      });
    });
    const { result, counters, retriesMetered } = await append(mongo, request());
    assert.equal(result?.status, 'appended');
    assert.deepEqual(result.status === 'appended' && result.events.map((event) => event.position.sequence), [7]);
    assert.deepEqual(counters, { appends: 1, transactionRetries: 1 });
    assert.equal(retriesMetered, 1, 'the retry reaches the metrics (ledger_store_transaction_retries_total)');
    assert.equal(mongo.sessions.length, 1);
    assertOneSessionPerTransaction(mongo);
    assert.equal(lastRun(mongo)[0], 'aggregates.findOne', 'the retry starts from the beginning');
    assert.equal(mongo.committed('partitions').get(PARTITION)?.sequence, 7);
  });

  test('a write conflict on the aggregate, whose head another commit moved, ends as a ConcurrencyError', async () => {
    const mongo = store(0, { 'acc-1': 1 });
    mongo.failNext('aggregates', 'updateOne', writeConflict(), (committed) => {
      committed('aggregates').set('acc-1', { _id: 'acc-1', aggregateType: 'Account', version: 2 });
    });
    const { result, error, counters } = await append(mongo, request({ expectedVersion: 1 }));
    assert.equal(result, undefined);
    assert.ok(error instanceof ConcurrencyError, `a domain error, not ${String(error)}`);
    assert.equal(counters.transactionRetries, 1);
    assertOneSessionPerTransaction(mongo);
  });

  test('sequences another commit took meanwhile (a duplicate key on events) re-run the callback too', async () => {
    const mongo = store(0);
    const taken = new MongoServerError({
      ok: 0,
      errmsg: 'E11000 duplicate key error collection: ledger.events index: partition_sequence dup key',
      code: 11000,
    });
    mongo.failNext('events', 'insertMany', taken, (committed) => {
      committed('partitions').set(PARTITION, { _id: PARTITION, sequence: 1 });
    });
    const { result, counters } = await append(mongo, request());
    assert.equal(result?.status, 'appended');
    assert.deepEqual(result.status === 'appended' && result.events.map((event) => event.position.sequence), [2]);
    assert.equal(counters.transactionRetries, 1);
  });

  test('a key another commit recorded meanwhile answers as a duplicate, read outside the aborted transaction', async () => {
    const mongo = store(0);
    const lost = new MongoServerError({ ok: 0, errmsg: 'E11000 duplicate key error', code: 11000 });
    mongo.failNext('idempotency', 'insertOne', lost, (committed) => {
      committed('idempotency').set('k', { _id: 'k', fingerprint: 'f', result: 'theirs' });
    });
    const { result } = await append(mongo, request({ idempotency: { key: 'k', fingerprint: 'f', result: 'r' } }));
    assert.deepEqual(result, { status: 'duplicate', record: { key: 'k', fingerprint: 'f', result: 'theirs' } });
    assertOneSessionPerTransaction(mongo);
    assert.equal(mongo.committed('events').size, 0, 'the aborted run wrote nothing');
  });

  test('conflicts past the time limit end UNAVAILABLE, never as a driver error', async () => {
    const mongo = store(0);
    mongo.failNext('partitions', 'updateOne', writeConflict());
    const { error } = await append(mongo, request(), 0);
    assert.ok(error instanceof UnavailableError);
    assert.equal(mongo.committed('events').size, 0);
  });

  test('a commit the majority did not acknowledge in time (MaxTimeMSExpired) is UNAVAILABLE', () => {
    const timedOut = new MongoServerError({
      ok: 0,
      errmsg: 'operation exceeded time limit',
      code: 50,
      codeName: 'MaxTimeMSExpired',
      errorLabels: ['UnknownTransactionCommitResult'],
    });
    assert.ok(translateError(timedOut) instanceof UnavailableError);
    const wtimeout = new MongoServerError({
      ok: 1,
      errmsg: 'waiting for replication timed out',
      code: 64,
      codeName: 'WriteConcernTimeout',
    });
    assert.ok(translateError(wtimeout) instanceof UnavailableError);
  });
});
