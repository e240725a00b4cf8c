import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSqliteReadModel } from '../adapters/sqlite/read-model.js';
import type { ReadModel } from '../ports/read-model.js';
import { createLedgerScript } from '../testing/ledger-script.js';
import { applyEvents } from './apply-events.js';

test('a batch reads back only the documents it did not start: a new account or transaction is not looked up', async () => {
  const script = createLedgerScript({ partitions: 1 });
  const readModel = createSqliteReadModel({ path: ':memory:', partitions: 1 });
  const asked: string[][] = [];
  const recording: ReadModel = {
    ...readModel,
    load: (generation, accountIds, transactionIds) => {
      asked.push([...accountIds, ...transactionIds]);
      return readModel.load(generation, accountIds, transactionIds);
    },
  };
  try {
    const generation = await readModel.activeGeneration();
    const apply = async (events: ReturnType<typeof script.open>) =>
      assert.equal((await applyEvents(recording, generation, 0, events, { requireActive: true })).result, 'committed');

    await apply(script.open('account-a', 'Ada'));
    await apply([...script.deposit('account-a', 5n, 'tx-1'), ...script.open('account-b', 'Bea')]);
    await apply(script.deposit('account-b', 7n, 'tx-2'));

    // Only account-a (in the second batch) and account-b (in the third) were there to be read.
    assert.deepEqual(asked, [[], ['account-a'], ['account-b']]);
    assert.equal((await readModel.getAccount('account-a'))?.balance, '5');
    assert.equal((await readModel.getAccount('account-b'))?.balance, '7');
    assert.equal((await readModel.getTransaction('tx-2'))?.status, 'SUCCEEDED');
  } finally {
    await readModel.close();
  }
});
