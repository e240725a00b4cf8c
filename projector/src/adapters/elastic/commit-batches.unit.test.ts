import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AccountView, BalanceEntry } from '@ledger/schema';
import { createFakeElasticsearch } from '../../testing/elasticsearch-fake.js';
import { openElasticReadModel } from './read-model.js';

const account = (id: string, partition: number, sequence: number): AccountView => ({
  id,
  owner: id,
  balance: String(sequence),
  status: 'OPEN',
  version: sequence,
  updatedAt: '2024-01-01T00:00:00.000Z',
  position: `${partition}:${sequence}`,
});

const entry = (accountId: string, partition: number, sequence: number): BalanceEntry => ({
  accountId,
  transactionId: `t-${accountId}-${sequence}`,
  kind: 'DEPOSIT',
  amount: '1',
  counterparty: null,
  balanceAfter: String(sequence),
  at: '2024-01-01T00:00:00.000Z',
  position: `${partition}:${sequence}`,
});

test("commitBatches writes several partitions' batches in one bulk request per kind, then their checkpoints", async () => {
  const fake = createFakeElasticsearch();
  const rm = await openElasticReadModel(fake.elastic, { partitions: 4, refresh: false });
  try {
    const candidate = await rm.createGeneration();
    const newer = account('a', 1, 12);
    await rm.commit(
      candidate,
      { partition: 1, accounts: [newer], transactions: [], checkpoint: 12 },
      { requireActive: false },
    );
    const before = fake.calls.length;

    await rm.commitBatches(candidate, [
      { partition: 1, accounts: [account('a', 1, 5)], transactions: [], history: [entry('a', 1, 5)], checkpoint: 5 },
      { partition: 2, accounts: [account('b', 2, 3)], transactions: [], history: [entry('b', 2, 3)], checkpoint: 3 },
      { partition: 3, accounts: [account('c', 3, 9)], transactions: [], checkpoint: 9 },
    ]);

    const calls = fake.calls.slice(before).map((call) => call.name);
    assert.deepEqual(
      calls.filter((name) => name === 'bulk'),
      ['bulk', 'bulk'],
      'one request for the histories, one for the documents',
    );
    assert.ok(calls.lastIndexOf('bulk') < calls.indexOf('index'), 'checkpoints after the documents');
    assert.deepEqual(await rm.checkpoints(candidate), [0, 12, 3, 9], 'checkpoints only move forward');
    const loaded = await rm.load(candidate, ['a', 'b', 'c'], []);
    assert.deepEqual(loaded.accounts.get('a'), newer, 'an older document never overwrites a newer one');
    assert.deepEqual([...loaded.accounts.keys()].sort(), ['a', 'b', 'c']);
  } finally {
    await rm.close();
  }
});
