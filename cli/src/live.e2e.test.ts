import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BalanceChangedDocument,
  DepositDocument,
  OpenAccountDocument,
  TransactionUpdatedDocument,
  TransferDocument,
  WithdrawDocument,
} from '@ledger/client';
import type { BalanceChangedSubscription } from '@ledger/client';
import { startTestSystem } from './testing/harness.js';
import type { TestSystem } from './testing/harness.js';

describe('live subscriptions over graphql-ws', () => {
  let ledger: TestSystem;
  before(async () => {
    ledger = await startTestSystem();
  });
  after(async () => {
    await ledger.dispose();
  });

  test('balanceChanged delivers every change of the watched accounts, in order', async () => {
    const open = async (owner: string) => (await ledger.client.request(OpenAccountDocument, { owner })).openAccount.id;
    const [watched, other, unwatched] = await Promise.all([open('watched'), open('other'), open('unwatched')]);
    const live = ledger.client.subscribe(BalanceChangedDocument, { accountIds: [watched, other] });
    await live.ready;
    const received: BalanceChangedSubscription['balanceChanged'][] = [];
    const iterator = live[Symbol.asyncIterator]();
    const next = async () => {
      const item = await iterator.next();
      assert.equal(item.done, false);
      received.push(item.value.balanceChanged);
      return item.value.balanceChanged;
    };

    // Probe until the server has the subscription, so the count below is exact.
    let probe = await ledger.client.request(DepositDocument, { accountId: watched, amount: '1' });
    let first = await Promise.race([next(), new Promise<null>((r) => setTimeout(() => r(null), 1000))]);
    while (first === null) {
      probe = await ledger.client.request(DepositDocument, { accountId: watched, amount: '1' });
      first = await Promise.race([next(), new Promise<null>((r) => setTimeout(() => r(null), 1000))]);
    }
    assert.ok(probe.deposit.id);
    const startBalance = BigInt(received.at(-1)!.balance);

    // Drain any probe notifications still in flight.
    const settle = await ledger.client.request(DepositDocument, { accountId: watched, amount: '1000' });
    for (;;) {
      const change = await next();
      if (change.transactionId === settle.deposit.id) break;
    }
    const base = BigInt(received.at(-1)!.balance);
    assert.ok(base >= startBalance + 1000n);
    received.length = 0;

    const amounts = Array.from({ length: 30 }, (_, i) => BigInt(i + 1));
    await ledger.client.request(DepositDocument, { accountId: unwatched, amount: '5' });
    const writes = amounts.map((amount) =>
      ledger.client.request(DepositDocument, { accountId: watched, amount: String(amount) }),
    );
    await Promise.all(writes);
    await ledger.client.request(WithdrawDocument, { accountId: watched, amount: '3' });
    await ledger.client.request(TransferDocument, { from: watched, to: other, amount: '10' });

    // 30 deposits + 1 withdrawal + transfer (one change on each side).
    while (received.length < 33) await next();
    live.close();

    const mine = received.filter((change) => change.accountId === watched);
    assert.equal(mine.length, 32);
    assert.ok(received.every((change) => change.accountId !== unwatched));
    let expected = base;
    for (const change of mine) {
      expected += BigInt(change.delta);
      assert.equal(change.balance, expected.toString(), 'each change follows the previous one');
    }
    const positions = mine.map((change) => Number(change.position.split(':')[1]));
    assert.deepEqual(
      positions,
      [...positions].sort((a, b) => a - b),
      'in store order',
    );
    const deposits = mine.slice(0, 30).map((change) => BigInt(change.delta));
    assert.deepEqual(
      [...deposits].sort((a, b) => Number(a - b)),
      amounts,
    );
    assert.equal(mine[30]!.delta, '-3');
    assert.equal(mine[31]!.delta, '-10');
    const credit = received.find((change) => change.accountId === other);
    assert.equal(credit?.delta, '10');
    assert.equal(credit?.balance, '10');
  });

  test('transactionUpdated sends the current state, then each change, and completes once settled', async () => {
    const from = (await ledger.client.request(OpenAccountDocument, { owner: 'payer' })).openAccount.id;
    const to = (await ledger.client.request(OpenAccountDocument, { owner: 'payee' })).openAccount.id;
    await ledger.client.request(DepositDocument, { accountId: from, amount: '100' });
    const accepted = await ledger.client.request(TransferDocument, { from, to, amount: '60', consistency: 'EVENTUAL' });
    assert.equal(accepted.transfer.status, 'PENDING');
    const overdraft = await ledger.client.request(TransferDocument, {
      from,
      to,
      amount: '1000',
      consistency: 'EVENTUAL',
    });

    const watch = async (id: string) => {
      const seen: string[] = [];
      for await (const update of ledger.client.subscribe(TransactionUpdatedDocument, { id })) {
        assert.equal(update.transactionUpdated.id, id);
        seen.push(update.transactionUpdated.status);
        if (update.transactionUpdated.status !== 'PENDING') return { seen, last: update.transactionUpdated };
      }
      return { seen, last: undefined };
    };
    const [ok, failed] = await Promise.all([watch(accepted.transfer.id), watch(overdraft.transfer.id)]);
    assert.equal(ok.last?.status, 'SUCCEEDED');
    assert.equal(failed.last?.status, 'FAILED');
    assert.match(failed.last?.failureReason ?? '', /insufficient funds/i);
    for (const { seen } of [ok, failed]) assert.ok(seen.slice(0, -1).every((status) => status === 'PENDING'));
  });
});
