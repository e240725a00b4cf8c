import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { threadNames } from '@ledger/platform/testing';
import { defineReadModelContract } from '../../ports/read-model.contract.js';
import { createSqliteReadModel } from './read-model.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

let count = 0;
defineReadModelContract('sqlite', async ({ partitions }) =>
  createSqliteReadModel({ path: path.join(dir, `read-${++count}.db`), partitions }),
);
// The same behaviour with live commits on the commit thread, as `ledger all` and projectors run them.
defineReadModelContract('sqlite, commits on a thread', async ({ partitions }) =>
  createSqliteReadModel({ path: path.join(dir, `read-${++count}.db`), partitions, commitThread: true }),
);

test('handles on one file (gateway, projector, rebuild) share generations, commits and swaps', async () => {
  const file = path.join(dir, 'shared.db');
  const [projector, gateway, rebuild] = [1, 2, 3].map(() => createSqliteReadModel({ path: file, partitions: 2 }));
  try {
    const first = await projector.activeGeneration();
    assert.equal(await gateway.activeGeneration(), first, 'only one first generation is created');
    const account = {
      id: 'a',
      owner: 'alice',
      balance: '9223372036854775807',
      status: 'OPEN' as const,
      version: 1,
      updatedAt: '2024-01-01T00:00:00.000Z',
      position: '1:1',
    };
    await projector.commit(
      first,
      { partition: 1, accounts: [account], transactions: [], checkpoint: 1 },
      { requireActive: true },
    );
    assert.deepEqual(await gateway.getAccount('a'), account);

    const next = await rebuild.createGeneration();
    await rebuild.commit(
      next,
      { partition: 1, accounts: [account], transactions: [], checkpoint: 1 },
      { requireActive: false },
    );
    assert.equal(await rebuild.beginSwap(next, 60_000), true);
    assert.equal(await rebuild.swap(next), true);
    assert.equal(await gateway.activeGeneration(), next);
    const refused = await projector.commit(
      first,
      { partition: 1, accounts: [], transactions: [], checkpoint: 2 },
      { requireActive: true },
    );
    assert.equal(refused, 'inactive-generation');
    await rebuild.dropGeneration(first);
    assert.deepEqual(await gateway.getAccount('a'), account);
  } finally {
    await Promise.all([projector, gateway, rebuild].map((readModel) => readModel.close()));
  }
});

test('a read model made before opens while another process holds the write lock; a new one waits for it', async () => {
  const file = path.join(dir, 'busy.db');
  const made = createSqliteReadModel({ path: file, partitions: 2 });
  const active = await made.activeGeneration();
  await made.close();
  const other = new Database(file);
  const fresh = path.join(dir, 'busy-fresh.db');
  const holder = new Database(fresh);
  try {
    // Another projector committing all the time.
    other.exec('BEGIN IMMEDIATE');
    const reopened = createSqliteReadModel({ path: file, partitions: 2, busyTimeoutMs: 20 });
    try {
      assert.equal(await reopened.activeGeneration(), active);
    } finally {
      await reopened.close();
    }
    holder.exec('BEGIN IMMEDIATE');
    assert.throws(() => createSqliteReadModel({ path: fresh, partitions: 2, busyTimeoutMs: 20 }), /locked/);
  } finally {
    other.close();
    holder.close();
  }
});

test('a swap lock taken through one handle holds the live commits of another', async () => {
  const file = path.join(dir, 'locked.db');
  const [projector, rebuild] = [1, 2].map(() => createSqliteReadModel({ path: file, partitions: 2 }));
  try {
    const active = await projector.activeGeneration();
    const candidate = await rebuild.createGeneration();
    const batch = { partition: 0, accounts: [], transactions: [], checkpoint: 1 };
    assert.equal(await rebuild.beginSwap(candidate, 60_000), true);
    assert.equal(await projector.commit(active, batch, { requireActive: true }), 'swap-pending');
    assert.equal(await projector.beginSwap(active, 60_000), false);
    assert.equal(await rebuild.commit(candidate, batch, { requireActive: false }), 'committed');
    assert.equal(await rebuild.swap(candidate), true);
    assert.equal(await projector.activeGeneration(), candidate);
    assert.equal(await projector.commit(candidate, { ...batch, checkpoint: 2 }, { requireActive: true }), 'committed');
  } finally {
    await Promise.all([projector, rebuild].map((readModel) => readModel.close()));
  }
});

test('live commits run on a thread named ledger-commit, which top -H, ps -T and the bench show', async () => {
  const readModel = createSqliteReadModel({ path: path.join(dir, 'named.db'), partitions: 1, commitThread: true });
  try {
    const generation = await readModel.activeGeneration();
    // Reads alone (a gateway on its own) start no thread.
    assert.equal(await readModel.getAccount('nobody'), null);
    assert.deepEqual(await readModel.checkpoints(generation), [0]);
    // A thread started at once would have loaded and named itself by now (it takes about 70 ms).
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.ok(!threadNames().includes('ledger-commit'), 'no commit thread before the first commit');
    const batch = { partition: 0, accounts: [], transactions: [], checkpoint: 1 };
    assert.equal(await readModel.commit(generation, batch, { requireActive: true }), 'committed');
    assert.equal(threadNames().filter((name) => name === 'ledger-commit').length, 1);
  } finally {
    await readModel.close();
  }
  assert.ok(!threadNames().includes('ledger-commit'), 'the thread ends with the read model');
});

test("with a commit thread, a rebuild's bulk commits reach the file once they hold 30,000 rows (the thread runs the WAL checkpoint) and live commits go on", async () => {
  const file = path.join(dir, 'bulk.db');
  const readModel = createSqliteReadModel({ path: file, partitions: 2, commitThread: true });
  try {
    const generation = await readModel.createGeneration();
    const accounts = Array.from({ length: 32_000 }, (_, i) => ({
      id: `a-${i}`,
      owner: `owner-${i}`,
      balance: '1',
      status: 'OPEN' as const,
      version: 1,
      updatedAt: '2024-01-01T00:00:00.000Z',
      position: '0:1',
    }));
    const before = fs.statSync(file).size;
    const commit = async (from: number, to: number, checkpoint: number) =>
      readModel.commitBatches(generation, [
        { partition: 0, accounts: accounts.slice(from, to), transactions: [], checkpoint },
      ]);
    await commit(0, 12_000, 1);
    assert.equal((await readModel.load(generation, ['a-11999'], [])).accounts.get('a-11999')?.owner, 'owner-11999');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(fs.statSync(file).size, before, 'a commit of 12,000 rows stays in the WAL');

    await commit(12_000, 32_000, 2);
    for (const deadline = Date.now() + 5_000; fs.statSync(file).size < before + 1_000_000;) {
      assert.ok(Date.now() < deadline, 'the pages reach the file');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const next = { ...accounts[0]!, balance: '2', version: 2, position: '0:3' };
    const live = { partition: 0, accounts: [next], transactions: [], checkpoint: 3 };
    assert.equal(await readModel.commit(generation, live, { requireActive: false }), 'committed');
    assert.equal((await readModel.load(generation, ['a-0'], [])).accounts.get('a-0')?.balance, '2');
    assert.equal((await readModel.load(generation, ['a-31999'], [])).accounts.get('a-31999')?.owner, 'owner-31999');
  } finally {
    await readModel.close();
  }
});

for (const commitThread of [false, true]) {
  const where = commitThread ? ', on the commit thread' : '';
  test(`a dropped generation's rows are purged in the background${where}, and a purge cut short finishes at the next open`, async () => {
    const file = path.join(dir, `purged-${commitThread}.db`);
    const inFile = <T>(read: (db: Database.Database) => T): T => {
      const db = new Database(file, { readonly: true });
      try {
        return read(db);
      } finally {
        db.close();
      }
    };
    // Rows carry the generation's key, which is gone with the generation: it is read before the drop.
    const keyOf = (generation: string): number =>
      inFile((db) => db.prepare('SELECT key FROM generations WHERE id = ?').pluck().get(generation) as number);
    const rowsOf = (key: number): number =>
      inFile((db) =>
        ['accounts', 'transactions', 'balance_history', 'checkpoints']
          .map((table) => db.prepare(`SELECT count(*) FROM ${table} WHERE generation = ?`).pluck().get(key) as number)
          .reduce((sum, rows) => sum + rows, 0),
      );
    const fill = async (readModel: ReturnType<typeof createSqliteReadModel>, generation: string) => {
      const account = (id: string) => ({
        id,
        owner: id,
        balance: '1',
        status: 'OPEN' as const,
        version: 1,
        updatedAt: '2024-01-01T00:00:00.000Z',
        position: '0:1',
      });
      const accounts = Array.from({ length: 12_000 }, (_, i) => account(`a-${i}`));
      await readModel.commitBatches(generation, [{ partition: 0, accounts, transactions: [], checkpoint: 1 }]);
    };
    const eventually = async (check: () => boolean) => {
      for (const deadline = Date.now() + 5_000; !check();) {
        assert.ok(Date.now() < deadline, 'in time');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };

    const readModel = createSqliteReadModel({ path: file, partitions: 2, commitThread });
    const doomed = await readModel.createGeneration();
    await fill(readModel, doomed);
    const doomedKey = keyOf(doomed);
    await readModel.dropGeneration(doomed);
    await assert.rejects(readModel.checkpoints(doomed), 'gone at once');
    await eventually(() => rowsOf(doomedKey) === 0);
    // Nothing else here starts the commit thread: no live commit, and the bulk commit is under 30,000 rows.
    assert.equal(threadNames().includes('ledger-commit'), commitThread, 'the chunks are deleted on the commit thread');

    const cut = await readModel.createGeneration();
    await fill(readModel, cut);
    const cutKey = keyOf(cut);
    assert.ok(cutKey > doomedKey, "a dropped generation's key is not given again");
    await readModel.dropGeneration(cut);
    await readModel.close(); // before the purge is through: 12,000 rows take three chunks
    assert.ok(rowsOf(cutKey) > 0);
    const reopened = createSqliteReadModel({ path: file, partitions: 2, commitThread });
    try {
      await eventually(() => rowsOf(cutKey) === 0);
    } finally {
      await reopened.close();
    }
    assert.ok(!threadNames().includes('ledger-commit'), 'the thread ends with the read model, purge or not');
  });
}

test("a file of layout 1 moves to the current layout with its active generation's documents, history and checkpoints; a newer one is refused", async () => {
  const file = path.join(dir, 'layout-1.db');
  // Layout 1 (no user_version): generations as text in every row; `initiated_by` is missing, as in
  // files made before transactions recorded who asked. 'g-old' is active, 'g-next' a rebuild under way.
  const old = new Database(file);
  old.exec(`
    CREATE TABLE generations (id TEXT PRIMARY KEY, created_at TEXT NOT NULL);
    CREATE TABLE alias (name TEXT PRIMARY KEY, generation TEXT NOT NULL);
    CREATE TABLE swap_locks (name TEXT PRIMARY KEY, generation TEXT NOT NULL, expires_at INTEGER NOT NULL);
    CREATE TABLE checkpoints (generation TEXT NOT NULL, partition INTEGER NOT NULL, sequence INTEGER NOT NULL,
      PRIMARY KEY (generation, partition));
    CREATE TABLE accounts (generation TEXT NOT NULL, id TEXT NOT NULL, owner TEXT NOT NULL, balance TEXT NOT NULL,
      status TEXT NOT NULL, version INTEGER NOT NULL, updated_at TEXT NOT NULL, position TEXT NOT NULL,
      seq INTEGER NOT NULL, PRIMARY KEY (generation, id));
    CREATE INDEX accounts_by_owner ON accounts (generation, owner, id);
    CREATE TABLE transactions (generation TEXT NOT NULL, id TEXT NOT NULL, kind TEXT NOT NULL, from_account TEXT,
      to_account TEXT, amount TEXT NOT NULL, status TEXT NOT NULL, failure_reason TEXT, created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL, account_positions TEXT NOT NULL, position TEXT NOT NULL, seq INTEGER NOT NULL,
      PRIMARY KEY (generation, id));
    CREATE INDEX transactions_by_from ON transactions (generation, from_account, created_at, id);
    CREATE INDEX transactions_by_to ON transactions (generation, to_account, created_at, id);
    CREATE TABLE balance_history (generation TEXT NOT NULL, account_id TEXT NOT NULL, seq INTEGER NOT NULL,
      transaction_id TEXT NOT NULL, kind TEXT, amount TEXT NOT NULL, counterparty TEXT, balance_after TEXT NOT NULL,
      at TEXT NOT NULL, position TEXT NOT NULL, PRIMARY KEY (generation, account_id, seq));
    CREATE INDEX balance_history_by_time ON balance_history (generation, account_id, at, seq);
    INSERT INTO generations VALUES ('g-old', '2024-01-01T00:00:00.000Z'), ('g-next', '2024-01-02T00:00:00.000Z');
    INSERT INTO alias VALUES ('balance', 'g-old');
    INSERT INTO checkpoints VALUES ('g-old', 0, 7), ('g-old', 1, 3), ('g-next', 0, 2);
    INSERT INTO accounts VALUES ('g-old', 'a', 'alice', '5', 'OPEN', 2, '2024-01-01T00:00:02.000Z', '0:2', 2),
      ('g-next', 'a', 'alice', '0', 'OPEN', 1, '2024-01-01T00:00:00.000Z', '0:1', 1);
    INSERT INTO transactions VALUES ('g-old', 't', 'DEPOSIT', NULL, 'a', '5', 'SUCCEEDED', NULL,
      '2024-01-01T00:00:01.000Z', '2024-01-01T00:00:03.000Z', '["0:2"]', '1:3', 3);
    INSERT INTO balance_history VALUES ('g-old', 'a', 2, 't', 'DEPOSIT', '5', NULL, '5', '2024-01-01T00:00:02.000Z', '0:2');
  `);
  old.close();

  const readModel = createSqliteReadModel({ path: file, partitions: 2 });
  try {
    assert.equal(await readModel.activeGeneration(), 'g-old');
    assert.deepEqual(await readModel.checkpoints(), [7, 3]);
    await assert.rejects(readModel.checkpoints('g-next'), 'only the active generation is kept');
    assert.equal((await readModel.getAccount('a'))?.balance, '5');
    assert.deepEqual(await readModel.getTransaction('t'), {
      id: 't',
      kind: 'DEPOSIT',
      from: null,
      to: 'a',
      amount: '5',
      status: 'SUCCEEDED',
      failureReason: null,
      initiatedBy: null,
      createdAt: '2024-01-01T00:00:01.000Z',
      updatedAt: '2024-01-01T00:00:03.000Z',
      accountPositions: ['0:2'],
      position: '1:3',
    });
    assert.deepEqual(
      (await readModel.listTransactions('a', { first: 5 })).transactions.map((t) => t.id),
      ['t'],
    );
    assert.equal(await readModel.balanceAt('a', '2024-01-01T00:00:05.000Z'), '5');
    assert.equal(await readModel.countAccounts({ owner: 'alice' }), 1);
    const next = await readModel.createGeneration();
    assert.deepEqual(await readModel.checkpoints(next), [0, 0]);
  } finally {
    await readModel.close();
  }
  const tables = (() => {
    const db = new Database(file, { readonly: true });
    try {
      return {
        version: db.pragma('user_version', { simple: true }),
        left: db.prepare("SELECT count(*) FROM sqlite_master WHERE name LIKE 'layout1_%'").pluck().get(),
      };
    } finally {
      db.close();
    }
  })();
  assert.deepEqual(tables, { version: 3, left: 0 });

  const again = createSqliteReadModel({ path: file, partitions: 2 });
  try {
    assert.equal((await again.getAccount('a'))?.balance, '5', 'a file of the current layout is kept as it is');
  } finally {
    await again.close();
  }
  const newer = new Database(file);
  newer.pragma('user_version = 99');
  newer.close();
  assert.throws(() => createSqliteReadModel({ path: file, partitions: 2 }), /layout 99/);
});

test('a file of layout 2 gains the index of the transactions by time as it opens, and keeps its documents', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-layout2-'));
  const file = path.join(dir, 'read-model.db');
  const first = createSqliteReadModel({ path: file, partitions: 2 });
  try {
    const generation = await first.activeGeneration();
    const transactions = ['t1', 't2'].map((id, i) => ({
      id,
      kind: 'DEPOSIT' as const,
      from: null,
      to: 'a',
      amount: '5',
      status: 'SUCCEEDED' as const,
      failureReason: null,
      initiatedBy: null,
      createdAt: `2024-01-01T00:00:0${i}.000Z`,
      updatedAt: `2024-01-01T00:00:0${i}.000Z`,
      accountPositions: [],
      position: `0:${i + 1}`,
    }));
    await first.commit(
      generation,
      { partition: 0, accounts: [], transactions, checkpoint: 2 },
      { requireActive: true },
    );
  } finally {
    await first.close();
  }
  // As layout 2 left it: no such index, user_version 2.
  const older = new Database(file);
  older.exec('DROP INDEX transactions_by_time');
  older.pragma('user_version = 2');
  older.close();

  const opened = createSqliteReadModel({ path: file, partitions: 2 });
  try {
    assert.deepEqual(
      (await opened.latestTransactions({ first: 10 })).map((t) => t.id),
      ['t2', 't1'],
    );
  } finally {
    await opened.close();
  }
  const db = new Database(file, { readonly: true });
  try {
    assert.equal(db.pragma('user_version', { simple: true }), 3);
    const plan = db
      .prepare(
        'EXPLAIN QUERY PLAN SELECT * FROM transactions WHERE generation = 1 ORDER BY created_at DESC, id DESC LIMIT 5',
      )
      .all() as Array<{ detail: string }>;
    assert.match(plan.map((row) => row.detail).join('; '), /transactions_by_time/);
  } finally {
    db.close();
  }
});
