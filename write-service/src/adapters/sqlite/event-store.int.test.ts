import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { ConcurrencyError, UnavailableError, partitionOf } from '@ledger/platform';
import { collected, threadNames } from '@ledger/platform/testing';
import type { EventStore } from '../../ports/event-store.js';
import { defineEventStoreContract } from '../../ports/event-store.contract.js';
import { createSqliteEventStore } from './event-store.js';
import { CLUSTERED_EVENTS_TABLE } from './schema.js';
import { accountOpening, transactionRequest, transactionSettlement } from '../../testing/appends.js';

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-'));

/** A store on a new file in a directory of its own; `before` prepares the file first. */
const onFile = (before?: (file: string) => void) => async () => {
  const dir = tempDir();
  const file = path.join(dir, 'events.db');
  before?.(file);
  const store = createSqliteEventStore({ path: file, partitions: 4 });
  return {
    store,
    async cleanup() {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
};

defineEventStoreContract('sqlite (file)', onFile());

// A file made before the append-order layout keeps its table; the store must behave the same on it.
defineEventStoreContract(
  'sqlite (file made with the older, clustered layout)',
  onFile((file) => {
    const older = new Database(file);
    older.exec(CLUSTERED_EVENTS_TABLE);
    older.close();
  }),
);

defineEventStoreContract('sqlite (:memory:)', async () => {
  const store = createSqliteEventStore({ path: ':memory:', partitions: 3 });
  return { store, cleanup: () => store.close() };
});

test('refuses to open a store file with another partition count', async () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'events.db');
    await createSqliteEventStore({ path: file, partitions: 4 }).close();
    assert.throws(() => createSqliteEventStore({ path: file, partitions: 8 }), /created with 4 partitions/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the append batch size counts what a commit wrote: not a conflict, not a refused follow-up', async () => {
  const dir = tempDir();
  const sizes: number[] = [];
  const metrics = { appendsCommitted: (appends: number) => void sizes.push(appends) };
  const store = createSqliteEventStore({ path: path.join(dir, 'events.db'), partitions: 4, metrics });
  try {
    const [settled, stale, unsettled] = [randomUUID(), randomUUID(), randomUUID()];
    const [transaction, otherTransaction] = [randomUUID(), randomUUID()];
    for (const request of [
      accountOpening(settled),
      accountOpening(stale),
      accountOpening(unsettled),
      transactionRequest(transaction),
      transactionRequest(otherTransaction),
    ]) {
      await store.append(request);
    }
    sizes.length = 0;
    // One turn, so one commit: a step with its settlement (2 appends), a step at a version its account
    // is not at (none), and a step whose settlement is at a version its transaction is not at (1).
    const outcomes = await Promise.allSettled([
      store.append({
        ...accountOpening(settled, { expectedVersion: 1 }),
        followedBy: transactionSettlement(transaction, 1, []),
      }),
      store.append(accountOpening(stale, { expectedVersion: 3 })),
      store.append({
        ...accountOpening(unsettled, { expectedVersion: 1 }),
        followedBy: transactionSettlement(otherTransaction, 4, []),
      }),
    ]);
    const [both, conflict, leadOnly] = outcomes;
    assert.ok(both.status === 'fulfilled' && both.value.status === 'appended');
    assert.equal(both.value.followedBy?.status, 'appended');
    assert.ok(conflict.status === 'rejected' && conflict.reason instanceof ConcurrencyError);
    assert.ok(leadOnly.status === 'fulfilled' && leadOnly.value.status === 'appended');
    assert.equal(leadOnly.value.followedBy?.status, 'failed');
    assert.deepEqual(sizes, [3]);
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a new store keeps its events in append order and reads partitions and aggregates through indexes', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'events.db');
  const store = createSqliteEventStore({ path: file, partitions: 4 });
  try {
    // Accounts of different partitions, appended in turn: the file's rows follow the appends.
    const ids: string[] = [];
    for (const wanted of [2, 0, 3, 1, 2]) {
      let id = randomUUID();
      while (partitionOf(id, 4) !== wanted) id = randomUUID();
      ids.push(id);
      await store.append(accountOpening(id));
    }
    const db = new Database(file, { readonly: true });
    try {
      assert.deepEqual(
        db.prepare('SELECT aggregate_id FROM events ORDER BY rowid').pluck().all(),
        ids,
        'rows lie in the order they were appended',
      );
      const plan = (sql: string) =>
        (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>)
          .map((row) => row.detail)
          .join('; ');
      for (const sql of [
        'SELECT * FROM events WHERE partition = 2 AND sequence > 0 ORDER BY sequence LIMIT 10',
        "SELECT * FROM events WHERE aggregate_id = 'x' AND version > 0 ORDER BY version",
      ]) {
        assert.match(plan(sql), /USING INDEX/, sql);
        assert.doesNotMatch(plan(sql), /TEMP B-TREE/, sql);
      }
    } finally {
      db.close();
    }
    assert.deepEqual(
      (await store.readPartition(2, 0, 10)).map((e) => e.aggregateId),
      [ids[0], ids[4]],
    );
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// Each thread opens its own store on the file, as separate processes would, and appends in a loop.
const appender = `
const { workerData, parentPort } = require('node:worker_threads');
const { randomUUID } = require('node:crypto');
(async () => {
  const { createSqliteEventStore } = await import(workerData.module);
  const store = createSqliteEventStore({ path: workerData.file, partitions: workerData.partitions });
  for (let i = 0; i < workerData.count; i++) {
    await store.append({
      aggregateType: 'Account', aggregateId: randomUUID(), expectedVersion: 0,
      events: [{ eventId: randomUUID(), type: 'AccountOpened', data: { owner: 'w' + i }, metadata: {},
        occurredAt: new Date().toISOString() }],
    });
  }
  await store.close();
  parentPort.postMessage('done');
})().catch((error) => { throw error; });
`;

test('stores on one file in parallel threads keep every partition gap-free', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'events.db');
  const partitions = 3;
  const count = 150;
  const writers = 3;
  try {
    await createSqliteEventStore({ path: file, partitions }).close();
    const module = new URL('./event-store.js', import.meta.url).href;
    await Promise.all(
      Array.from(
        { length: writers },
        () =>
          new Promise<void>((resolve, reject) => {
            const worker = new Worker(appender, { eval: true, workerData: { module, file, partitions, count } });
            worker.once('error', reject);
            worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker exited ${code}`))));
          }),
      ),
    );
    const store = createSqliteEventStore({ path: file, partitions });
    try {
      const heads = await store.heads();
      assert.equal(
        heads.reduce((a, b) => a + b, 0),
        count * writers,
      );
      for (let p = 0; p < partitions; p++) {
        const events = await store.readPartition(p, 0, 10_000);
        assert.deepEqual(
          events.map((e) => e.position.sequence),
          events.map((_, i) => i + 1),
        );
        for (const e of events) assert.equal(partitionOf(e.aggregateId, partitions), p);
      }
    } finally {
      await store.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('appends made in one turn commit together, and a conflict or a duplicate fails alone', async () => {
  const store = createSqliteEventStore({ path: ':memory:', partitions: 1 });
  try {
    const [a, b] = [randomUUID(), randomUUID()];
    const key = { key: 'k', fingerprint: 'f', result: '{}' };
    const outcomes = await Promise.allSettled([
      store.append(accountOpening(a)),
      store.append(accountOpening(a)), // a is at version 1 by now: refused
      store.append({ ...accountOpening(b), idempotency: key }),
      store.append({ ...accountOpening(), idempotency: key }), // the key is taken by now
      store.append(accountOpening(a, { expectedVersion: 1 })), // a later command on a, decided after the first
    ]);
    assert.deepEqual(
      outcomes.map((o) => (o.status === 'fulfilled' ? o.value.status : o.reason.constructor.name)),
      ['appended', 'ConcurrencyError', 'appended', 'duplicate', 'appended'],
    );
    assert.ok(outcomes[1]!.status === 'rejected' && outcomes[1].reason instanceof ConcurrencyError);
    const events = await store.readPartition(0, 0, 100);
    assert.deepEqual(
      events.map((e) => [e.aggregateId, e.version, e.position.sequence]),
      [
        [a, 1, 1],
        [b, 1, 2],
        [a, 2, 3],
      ],
    );
  } finally {
    await store.close();
  }
});

test('when the write lock cannot be had, every append of the turn fails as unavailable and nothing is written', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'events.db');
  const store = createSqliteEventStore({ path: file, partitions: 2, busyTimeoutMs: 20 });
  const other = new Database(file);
  try {
    other.exec('BEGIN IMMEDIATE');
    const outcomes = await Promise.allSettled([store.append(accountOpening()), store.append(accountOpening())]);
    for (const outcome of outcomes) {
      assert.ok(outcome.status === 'rejected');
      // A retryable condition (gRPC UNAVAILABLE), not the engine's error (an internal error to a client).
      assert.ok(outcome.reason instanceof UnavailableError, String(outcome.reason));
      assert.match((outcome.reason as Error).message, /busy.*nothing was written/);
    }
    other.exec('ROLLBACK');
    assert.deepEqual(await store.heads(), [0, 0]);
    assert.equal((await store.append(accountOpening())).status, 'appended');
  } finally {
    other.close();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a store made before opens while another process holds the write lock; a new one waits for it', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'events.db');
  await createSqliteEventStore({ path: file, partitions: 2 }).close();
  const other = new Database(file);
  try {
    // Another write service committing all the time, as one catching up after its peer died.
    other.exec('BEGIN IMMEDIATE');
    const store = createSqliteEventStore({ path: file, partitions: 2, busyTimeoutMs: 20 });
    try {
      assert.deepEqual(await store.heads(), [0, 0]);
      assert.throws(() => createSqliteEventStore({ path: file, partitions: 3, busyTimeoutMs: 20 }), /created with 2/);
      // A file without the store's tables must be written first: that waits for the lock.
      const fresh = path.join(dir, 'fresh.db');
      const holder = new Database(fresh);
      holder.exec('BEGIN IMMEDIATE');
      assert.throws(() => createSqliteEventStore({ path: fresh, partitions: 2, busyTimeoutMs: 20 }), /locked/);
      holder.exec('ROLLBACK');
      holder.close();
      other.exec('ROLLBACK');
      assert.equal((await store.append(accountOpening())).status, 'appended');
    } finally {
      await store.close();
    }
  } finally {
    other.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the writes run on a thread named ledger-writer, which top -H, ps -T and the bench show', async () => {
  const dir = tempDir();
  const store = createSqliteEventStore({ path: path.join(dir, 'events.db'), partitions: 2 });
  try {
    await store.append(accountOpening());
    assert.equal(threadNames().filter((name) => name === 'ledger-writer').length, 1);
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  assert.ok(!threadNames().includes('ledger-writer'), 'the thread ends with the store');
});

test('checkpoints are shared by the handles on a file and outlive them', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'events.db');
  try {
    const first = createSqliteEventStore({ path: file, partitions: 2 });
    const second = createSqliteEventStore({ path: file, partitions: 2 });
    assert.equal(await first.setCheckpoint('saga', 1, 7, 3), true);
    assert.equal(await second.getCheckpoint('saga', 1), 7);
    assert.equal(await second.setCheckpoint('saga', 1, 9, 2), false, 'fenced by the token the first wrote');
    await first.append(accountOpening());
    await first.close();
    await second.close();
    const reopened = createSqliteEventStore({ path: file, partitions: 2 });
    assert.equal(await reopened.getCheckpoint('saga', 1), 7);
    assert.equal(
      (await reopened.heads()).reduce((sum, head) => sum + head, 0),
      1,
    );
    await reopened.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** Partition 0 read through `store` equals what `reader` (another handle, from the file) reads, from every point. */
async function assertSameReads(store: EventStore, reader: EventStore, last: number): Promise<void> {
  for (let after = 0; after <= last; after++) {
    for (const limit of [1, 2, 10]) {
      assert.deepEqual(
        await store.readPartition(0, after, limit),
        await reader.readPartition(0, after, limit),
        `after ${after}, limit ${limit}`,
      );
    }
  }
}

test("a partition read right after this handle's appends equals the file's, with another handle's appends in between", async () => {
  const dir = tempDir();
  const file = path.join(dir, 'events.db');
  const here = createSqliteEventStore({ path: file, partitions: 1 });
  const there = createSqliteEventStore({ path: file, partitions: 1 });
  const fresh = () => createSqliteEventStore({ path: file, partitions: 1 });
  try {
    await here.append(accountOpening());
    await here.append(accountOpening());
    await there.append(accountOpening());
    await here.append(accountOpening());
    await here.append(accountOpening());
    const reader = fresh();
    try {
      await assertSameReads(here, reader, 4);
      assert.deepEqual(
        (await here.readPartition(0, 0, 10)).map((e) => e.position.sequence),
        [1, 2, 3, 4, 5],
        "the other handle's append is not skipped",
      );
    } finally {
      await reader.close();
    }
  } finally {
    await here.close();
    await there.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("an event leaves this handle's run once every worker keeping a checkpoint here has passed it; reads still equal the file's", async () => {
  const dir = tempDir();
  const file = path.join(dir, 'events.db');
  const store = createSqliteEventStore({ path: file, partitions: 1 });
  const reader = createSqliteEventStore({ path: file, partitions: 1 });
  // Only a reference that cannot be kept alive by the caller: the run itself is what may hold the event.
  const watch = async (sequence: number): Promise<WeakRef<object>> =>
    new WeakRef((await store.readPartition(0, sequence - 1, 1))[0]!);
  try {
    for (let i = 0; i < 4; i++) await store.append(accountOpening());
    const first = await watch(1);
    const second = await watch(2);
    assert.equal(await collected(first), false, 'held while no worker has passed it');
    await store.setCheckpoint('forwarder', 0, 0, 1);
    await store.setCheckpoint('saga', 0, 2, 1);
    assert.equal(await collected(first), false, 'the forwarder has not passed it yet');
    await store.setCheckpoint('forwarder', 0, 1, 1);
    assert.equal(await collected(first), true, 'both workers passed event 1');
    assert.equal(await collected(second), false, 'the forwarder has not passed event 2');
    await assertSameReads(store, reader, 4);
    await store.setCheckpoint('forwarder', 0, 4, 1);
    await store.append(accountOpening());
    assert.deepEqual(
      (await store.readPartition(0, 2, 10)).map((e) => e.position.sequence),
      [3, 4, 5],
      'a worker behind the others still reads every event, from the run or the file',
    );
  } finally {
    await store.close();
    await reader.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
