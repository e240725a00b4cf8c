import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { engineUrl } from '@ledger/platform/testing';
import type { AccountView, TransactionView } from '@ledger/schema';
import { defineReadModelContract } from '../../ports/read-model.contract.js';
import type { ProjectionBatch, ReadModel } from '../../ports/read-model.js';
import { createElasticClient } from './client.js';
import { INDEX_KINDS, indexNames } from './names.js';
import { createElasticReadModel } from './read-model.js';
import type { ElasticReadModelOptions } from './read-model.js';

const url = engineUrl('elastic');

/** Deletes every index of a test run (wildcard deletes are refused by default, so by name). */
async function deleteIndices(elasticUrl: string, prefix: string): Promise<void> {
  const { client } = createElasticClient({ url: elasticUrl });
  try {
    const indices = Object.keys(await client.indices.get({ index: `${prefix}-*`, allow_no_indices: true }));
    for (let start = 0; start < indices.length; start += 50) {
      await client.indices.delete({ index: indices.slice(start, start + 50), ignore_unavailable: true });
    }
  } finally {
    await client.close();
  }
}

const account = (id: string, overrides: Partial<AccountView> = {}): AccountView => ({
  id,
  owner: 'alice',
  balance: '0',
  status: 'OPEN',
  version: 1,
  updatedAt: '2024-01-01T00:00:00.000Z',
  position: '0:1',
  ...overrides,
});

const deposit = (id: string, to: string, createdAt: string): TransactionView => ({
  id,
  kind: 'DEPOSIT',
  from: null,
  to,
  amount: '1',
  status: 'SUCCEEDED',
  failureReason: null,
  initiatedBy: null,
  createdAt,
  updatedAt: createdAt,
  accountPositions: [],
  position: '0:1',
});

const batch = (overrides: Partial<ProjectionBatch>): ProjectionBatch => ({
  partition: 0,
  accounts: [],
  transactions: [],
  checkpoint: 0,
  ...overrides,
});

if (url === null) {
  test('ReadModel contract: elastic', { skip: 'ELASTIC_URL not set' }, () => undefined);
} else {
  // One prefix per run, one per read model: runs and tests sharing a cluster never meet.
  const run = `ledger-test-${randomUUID().slice(0, 8)}`;
  let models = 0;
  const nextPrefix = () => `${run}-${++models}`;
  after(() => deleteIndices(url, run));

  // refresh: true lets the suite's searches see each commit at once; 'wait_for' has its own test below.
  defineReadModelContract('elastic', ({ partitions }) =>
    createElasticReadModel({ url, partitions, indexPrefix: nextPrefix(), refresh: true }),
  );

  describe('elastic read model', () => {
    const opened: ReadModel[] = [];
    const open = async (options: Partial<ElasticReadModelOptions> = {}): Promise<ReadModel> => {
      const readModel = await createElasticReadModel({ url, partitions: 2, indexPrefix: nextPrefix(), ...options });
      opened.push(readModel);
      return readModel;
    };
    after(() => Promise.all(opened.map((readModel) => readModel.close())));

    test('handles starting together on one prefix share one first generation, commits and swaps', async () => {
      const indexPrefix = nextPrefix();
      const [projector, gateway, rebuild] = await Promise.all(
        [1, 2, 3].map(() => open({ indexPrefix, refresh: true })),
      );
      const first = await projector!.activeGeneration();
      assert.equal(await gateway!.activeGeneration(), first);
      assert.equal(await rebuild!.activeGeneration(), first);

      const a = account('a', { balance: '9223372036854775807', position: '1:1' });
      await projector!.commit(first, batch({ partition: 1, accounts: [a], checkpoint: 1 }), { requireActive: true });
      assert.deepEqual(await gateway!.getAccount('a'), a);

      const next = await rebuild!.createGeneration();
      await rebuild!.commit(next, batch({ partition: 1, accounts: [a], checkpoint: 1 }), { requireActive: false });
      assert.equal(await rebuild!.beginSwap(next, 60_000), true);
      assert.equal(await rebuild!.swap(next), true);
      assert.equal(await gateway!.activeGeneration(), next);
      assert.equal(
        await projector!.commit(first, batch({ partition: 1, checkpoint: 2 }), { requireActive: true }),
        'inactive-generation',
      );
      await rebuild!.dropGeneration(first);
      assert.deepEqual(await gateway!.getAccount('a'), a);
    });

    test("with refresh 'wait_for', a search right after a commit sees it", async () => {
      const readModel = await open({ refresh: 'wait_for' });
      const generation = await readModel.activeGeneration();
      const result = await readModel.commit(
        generation,
        batch({
          accounts: [account('a', { owner: 'zoe' })],
          transactions: [deposit('t1', 'a', '2024-01-01T00:00:00.000Z')],
          checkpoint: 1,
        }),
        { requireActive: true },
      );
      assert.equal(result, 'committed');
      assert.deepEqual(
        (await readModel.listAccounts({ owner: 'zoe', first: 5 })).accounts.map((a) => a.id),
        ['a'],
      );
      assert.deepEqual(
        (await readModel.listTransactions('a', { first: 5 })).transactions.map((t) => t.id),
        ['t1'],
      );
    });

    test('a worker far behind writes a large batch in one commit; pages walk it; the count is exact', async () => {
      const readModel = await open({ refresh: true });
      const generation = await readModel.activeGeneration();
      const ids = Array.from({ length: 1_500 }, (_, i) => `acc-${String(i).padStart(5, '0')}`);
      const accounts = ids.map((id, i) => account(id, { owner: i % 2 === 0 ? 'even' : 'odd', position: `0:${i + 1}` }));
      await readModel.commit(generation, batch({ accounts, checkpoint: ids.length }), { requireActive: true });
      assert.deepEqual(await readModel.checkpoints(), [ids.length, 0]);

      const seen: string[] = [];
      let cursor: { owner: string; id: string } | undefined;
      for (;;) {
        const page = await readModel.listAccounts({ owner: 'even', first: 400, ...(cursor ? { after: cursor } : {}) });
        assert.equal(page.accounts.length, page.hasNextPage ? 400 : 750 % 400);
        seen.push(...page.accounts.map((a) => a.id));
        if (!page.hasNextPage) break;
        const last = page.accounts.at(-1)!;
        cursor = { owner: last.owner, id: last.id };
      }
      assert.deepEqual(
        seen,
        ids.filter((_, i) => i % 2 === 0),
      );
      assert.equal(await readModel.countAccounts({ owner: 'even' }), 750);
      assert.equal(await readModel.countAccounts({}), 1_500);
    });

    test('a write into a dropped generation fails and creates no index', async () => {
      const indexPrefix = nextPrefix();
      const readModel = await open({ indexPrefix, refresh: true });
      const doomed = await readModel.createGeneration();
      await readModel.dropGeneration(doomed);
      await assert.rejects(
        readModel.commit(doomed, batch({ accounts: [account('late')], checkpoint: 1 }), { requireActive: false }),
        { code: 'NOT_FOUND' },
      );
      const names = indexNames(indexPrefix);
      const { client } = createElasticClient({ url });
      try {
        for (const kind of INDEX_KINDS) {
          assert.equal(await client.indices.exists({ index: names.index(doomed, kind) }), false, kind);
        }
      } finally {
        await client.close();
      }
    });

    test('indices carry explicit, strict mappings: owner and money as keywords, createdAt a date', async () => {
      const indexPrefix = nextPrefix();
      await open({ indexPrefix });
      const names = indexNames(indexPrefix);
      const { client } = createElasticClient({ url });
      try {
        const accounts = Object.values(await client.indices.getMapping({ index: names.alias('accounts') }))[0]!;
        const transactions = Object.values(await client.indices.getMapping({ index: names.alias('transactions') }))[0]!;
        assert.equal(String(accounts.mappings.dynamic), 'strict');
        assert.equal(accounts.mappings.properties!.owner!.type, 'keyword');
        assert.equal(accounts.mappings.properties!.balance!.type, 'keyword');
        assert.equal(transactions.mappings.properties!.amount!.type, 'keyword');
        assert.equal(transactions.mappings.properties!.createdAt!.type, 'date');
      } finally {
        await client.close();
      }
    });

    test('while a rebuild holds the swap lock, live commits wait; the swap releases it; it lapses by itself', async () => {
      const readModel = await open({ refresh: true });
      const active = await readModel.activeGeneration();
      const candidate = await readModel.createGeneration();
      const other = await readModel.createGeneration();

      assert.equal(await readModel.beginSwap(candidate, 10_000), true);
      assert.equal(await readModel.beginSwap(other, 10_000), false, 'one lock holder at a time');
      assert.equal(await readModel.beginSwap(candidate, 10_000), true, 'the holder may extend it');
      const live = batch({ accounts: [account('a', { position: '0:1' })], checkpoint: 1 });
      assert.equal(await readModel.commit(active, live, { requireActive: true }), 'swap-pending');
      assert.equal(await readModel.getAccount('a'), null, 'a pending commit writes nothing');
      assert.equal(await readModel.commit(candidate, live, { requireActive: false }), 'committed');
      assert.equal(await readModel.swap(other), false, 'another generation cannot swap while the lock is held');

      assert.equal(await readModel.swap(candidate), true);
      assert.equal(await readModel.activeGeneration(), candidate);
      assert.equal(await readModel.beginSwap(other, 50), true, 'the swap released the lock');
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(
        await readModel.commit(candidate, batch({ checkpoint: 2 }), { requireActive: true }),
        'committed',
        'a lapsed lock holds nothing up',
      );
      assert.equal(await readModel.beginSwap(active, 10_000), true);
      await readModel.endSwap(active);
      assert.equal(await readModel.commit(candidate, batch({ checkpoint: 3 }), { requireActive: true }), 'committed');
      await assert.rejects(readModel.beginSwap('g-nope', 1_000), { code: 'NOT_FOUND' });
    });

    test('by default a commit asks for no refresh, and a read by id sees it at once', async () => {
      const readModel = await open();
      const generation = await readModel.activeGeneration();
      const a = account('a', { position: '0:1' });
      assert.equal(
        await readModel.commit(generation, batch({ accounts: [a], checkpoint: 1 }), { requireActive: true }),
        'committed',
      );
      assert.deepEqual(await readModel.getAccount('a'), a);
    });

    test('a deleted lock index is an error naming it, and is not recreated by a write', async () => {
      const indexPrefix = nextPrefix();
      const readModel = await open({ indexPrefix, refresh: true });
      const names = indexNames(indexPrefix);
      const candidate = await readModel.createGeneration();
      const { client } = createElasticClient({ url });
      try {
        await client.indices.delete({ index: names.locks });
        await assert.rejects(readModel.beginSwap(candidate, 10_000), new RegExp(names.locks));
        assert.equal(await client.indices.exists({ index: names.locks }), false);
      } finally {
        await client.close();
      }
    });
  });
}
