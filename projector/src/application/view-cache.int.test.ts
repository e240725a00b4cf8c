import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AccountView } from '@ledger/schema';
import { createSqliteReadModel } from '../adapters/sqlite/read-model.js';
import type { ReadModel } from '../ports/read-model.js';
import { createViewCache } from './view-cache.js';

const account = (id: string, balance: string, sequence: number): AccountView => ({
  id,
  owner: 'ada',
  balance,
  status: 'OPEN',
  version: sequence,
  updatedAt: '2026-01-01T00:00:00.000Z',
  position: `1:${sequence}`,
});

test('the view cache answers what this projector committed, and forgets it once someone else moved the partition', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-'));
  const file = path.join(dir, 'read.db');
  const mine = createSqliteReadModel({ path: file, partitions: 2 });
  const other = createSqliteReadModel({ path: file, partitions: 2 });
  let loads = 0;
  const counted: ReadModel = { ...mine, load: (...args) => (loads++, mine.load(...args)) };
  const views = createViewCache(counted, 10);
  const commit = (readModel: ReadModel, generation: string, view: AccountView, checkpoint: number) =>
    readModel.commit(
      generation,
      { partition: 1, accounts: [view], transactions: [], checkpoint },
      { requireActive: true },
    );
  try {
    const generation = await mine.activeGeneration();
    views.begin(generation, 0);
    assert.equal(await commit(views.readModel, generation, account('a', '5', 1), 1), 'committed');

    views.begin(generation, 1);
    const cached = await views.readModel.load(generation, ['a'], []);
    assert.equal(cached.accounts.get('a')?.balance, '5');
    assert.equal(loads, 0, 'what it committed comes from the cache');
    assert.equal((await views.readModel.load(generation, ['a', 'b'], [])).accounts.size, 1);
    assert.equal(loads, 1, 'only what it does not hold is read');

    // Another owner (this one was paused past its lease) moves the partition on.
    assert.equal(await commit(other, generation, account('a', '9', 2), 2), 'committed');
    views.begin(generation, 2);
    assert.equal((await views.readModel.load(generation, ['a'], [])).accounts.get('a')?.balance, '9');
    assert.equal(loads, 2, 'a checkpoint it did not write sends it back to the read model');

    // A rebuild swaps in another generation.
    views.begin(generation, 2);
    assert.equal(await commit(views.readModel, generation, account('a', '12', 3), 3), 'committed');
    const next = await other.createGeneration();
    assert.equal(await other.beginSwap(next, 60_000), true);
    await other.commit(
      next,
      { partition: 1, accounts: [account('a', '12', 3)], transactions: [], checkpoint: 3 },
      {
        requireActive: false,
      },
    );
    assert.equal(await other.swap(next), true);
    assert.equal(await commit(views.readModel, generation, account('a', '13', 4), 4), 'inactive-generation');
    views.begin(next, 3);
    assert.equal((await views.readModel.load(next, ['a'], [])).accounts.get('a')?.balance, '12');
    assert.equal(loads, 3, 'a refused commit and a new generation start from the read model');
  } finally {
    await mine.close();
    await other.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
