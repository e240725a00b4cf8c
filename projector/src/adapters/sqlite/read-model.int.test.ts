import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
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

test("a dropped generation's rows are purged in the background, and a purge cut short finishes at the next open", async () => {
  const file = path.join(dir, 'purged.db');
  const rowsOf = (generation: string): number => {
    const db = new Database(file, { readonly: true });
    try {
      return ['accounts', 'transactions', 'balance_history', 'checkpoints']
        .map(
          (table) => db.prepare(`SELECT count(*) FROM ${table} WHERE generation = ?`).pluck().get(generation) as number,
        )
        .reduce((sum, rows) => sum + rows, 0);
    } finally {
      db.close();
    }
  };
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

  const readModel = createSqliteReadModel({ path: file, partitions: 2 });
  const doomed = await readModel.createGeneration();
  await fill(readModel, doomed);
  await readModel.dropGeneration(doomed);
  await assert.rejects(readModel.checkpoints(doomed), 'gone at once');
  await eventually(() => rowsOf(doomed) === 0);

  const cut = await readModel.createGeneration();
  await fill(readModel, cut);
  await readModel.dropGeneration(cut);
  await readModel.close(); // before the purge is through: 12,000 rows take three chunks
  assert.ok(rowsOf(cut) > 0);
  const reopened = createSqliteReadModel({ path: file, partitions: 2 });
  try {
    await eventually(() => rowsOf(cut) === 0);
  } finally {
    await reopened.close();
  }
});
