import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  AccountDocument,
  AccountWithTransactionsDocument,
  AccountsDocument,
  DepositDocument,
  OpenAccountDocument,
  TransactionDocument,
  TransferDocument,
  WithdrawDocument,
} from '@ledger/client';
import { startTestSystem } from './testing/harness.js';
import type { TestSystem } from './testing/harness.js';

describe('money moves through the running system (GraphQL over HTTP)', () => {
  let ledger: TestSystem;
  before(async () => {
    ledger = await startTestSystem();
  });
  after(async () => {
    await ledger.dispose();
  });

  const open = async (owner: string): Promise<string> =>
    (await ledger.client.request(OpenAccountDocument, { owner })).openAccount.id;
  const balance = async (id: string): Promise<string | undefined> =>
    (await ledger.client.request(AccountDocument, { id })).account?.balance;

  test('open, deposit, withdraw and transfer; a query sent next sees each write', async () => {
    const opened = await ledger.client.request(OpenAccountDocument, { owner: 'alice' });
    assert.equal(opened.openAccount.owner, 'alice');
    assert.equal(opened.openAccount.balance, '0');
    assert.equal(opened.openAccount.status, 'OPEN');
    const alice = opened.openAccount.id;
    const bob = await open('bob');

    const deposit = await ledger.client.request(DepositDocument, { accountId: alice, amount: '10000' });
    assert.equal(deposit.deposit.status, 'SUCCEEDED');
    assert.equal(deposit.deposit.kind, 'DEPOSIT');
    assert.equal(deposit.deposit.to, alice);
    assert.equal(await balance(alice), '10000');

    const withdrawal = await ledger.client.request(WithdrawDocument, {
      accountId: alice,
      amount: 2500 as unknown as string,
    });
    assert.equal(withdrawal.withdraw.status, 'SUCCEEDED');
    assert.equal(await balance(alice), '7500');

    const transfer = await ledger.client.request(TransferDocument, { from: alice, to: bob, amount: '5000' });
    assert.equal(transfer.transfer.status, 'SUCCEEDED');
    assert.equal(transfer.transfer.failureReason, null);
    assert.equal(await balance(alice), '2500');
    assert.equal(await balance(bob), '5000');

    const fetched = await ledger.client.request(TransactionDocument, { id: transfer.transfer.id });
    assert.equal(fetched.transaction?.status, 'SUCCEEDED');
    assert.equal(fetched.transaction?.amount, '5000');

    const history = await ledger.client.request(AccountWithTransactionsDocument, { id: alice, first: 2 });
    const edges = history.account!.transactions.edges;
    assert.equal(edges.length, 2);
    assert.deepEqual(
      edges.map((edge) => edge.node.kind),
      ['TRANSFER', 'WITHDRAWAL'],
    );
    assert.equal(history.account!.transactions.pageInfo.hasNextPage, true);
    const rest = await ledger.client.request(AccountWithTransactionsDocument, {
      id: alice,
      first: 2,
      after: history.account!.transactions.pageInfo.endCursor,
    });
    assert.deepEqual(
      rest.account!.transactions.edges.map((edge) => edge.node.kind),
      ['DEPOSIT'],
    );
    assert.equal(rest.account!.transactions.pageInfo.hasNextPage, false);
  });

  test('an overdraft transfer is a FAILED transaction with a reason, and moves nothing', async () => {
    const from = await open('carol');
    const to = await open('dave');
    await ledger.client.request(DepositDocument, { accountId: from, amount: '100' });
    const result = await ledger.client.request(TransferDocument, { from, to, amount: '101' });
    assert.equal(result.transfer.status, 'FAILED');
    assert.match(result.transfer.failureReason ?? '', /insufficient funds/i);
    assert.equal(await balance(from), '100');
    assert.equal(await balance(to), '0');
  });

  test('a retried command with the same idempotency key has one effect and returns the same transaction', async () => {
    const account = await open('erin');
    const key = `deposit-${randomUUID()}`;
    const first = await ledger.client.request(DepositDocument, {
      accountId: account,
      amount: '700',
      idempotencyKey: key,
    });
    const again = await ledger.client.request(DepositDocument, {
      accountId: account,
      amount: '700',
      idempotencyKey: key,
    });
    const concurrent = await Promise.all(
      Array.from({ length: 5 }, () =>
        ledger.client.request(DepositDocument, { accountId: account, amount: '700', idempotencyKey: key }),
      ),
    );
    assert.equal(again.deposit.id, first.deposit.id);
    for (const result of concurrent) assert.equal(result.deposit.id, first.deposit.id);
    assert.equal(again.deposit.status, 'SUCCEEDED');
    assert.equal(await balance(account), '700');
  });

  test('100 concurrent deposits on one account all land', async () => {
    const account = await open('frank');
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        ledger.client.request(DepositDocument, { accountId: account, amount: String(i + 1) }),
      ),
    );
    assert.ok(results.every((result) => result.deposit.status === 'SUCCEEDED'));
    assert.equal(new Set(results.map((result) => result.deposit.id)).size, 100);
    assert.equal(await balance(account), String((100 * 101) / 2));
    const account2 = await ledger.client.request(AccountDocument, { id: account });
    assert.equal(account2.account?.version, 101);
  });

  test('money is conserved under concurrent transfers in every direction', async () => {
    const accounts = await Promise.all(['g1', 'g2', 'g3', 'g4', 'g5'].map(open));
    await Promise.all(accounts.map((id) => ledger.client.request(DepositDocument, { accountId: id, amount: '1000' })));
    const transfers = Array.from({ length: 60 }, (_, i) => {
      const from = accounts[i % accounts.length]!;
      const to = accounts[(i * 3 + 1) % accounts.length]!;
      return from === to ? null : { from, to, amount: String(50 + ((i * 37) % 400)) };
    }).filter((t) => t !== null);
    const results = await Promise.all(transfers.map((t) => ledger.client.request(TransferDocument, t)));
    assert.ok(results.every((r) => r.transfer.status === 'SUCCEEDED' || r.transfer.status === 'FAILED'));
    assert.ok(results.some((r) => r.transfer.status === 'SUCCEEDED'));
    const balances = await Promise.all(accounts.map(balance));
    const total = balances.reduce((sum, b) => sum + BigInt(b!), 0n);
    assert.equal(total, 5000n, `balances ${balances.join(', ')}`);
    for (const b of balances) assert.ok(BigInt(b!) >= 0n);
  });

  test('accounts are listed by owner, then id, with cursors', async () => {
    const owner = `zz-owner-${randomUUID().slice(0, 6)}`;
    const ids = await Promise.all([1, 2, 3].map(() => open(owner)));
    const page1 = await ledger.client.request(AccountsDocument, { owner, first: 2 });
    assert.equal(page1.accounts.totalCount, 3);
    assert.equal(page1.accounts.edges.length, 2);
    assert.equal(page1.accounts.pageInfo.hasNextPage, true);
    const page2 = await ledger.client.request(AccountsDocument, {
      owner,
      first: 2,
      after: page1.accounts.pageInfo.endCursor,
    });
    assert.equal(page2.accounts.pageInfo.hasNextPage, false);
    const listed = [...page1.accounts.edges, ...page2.accounts.edges].map((edge) => edge.node.id);
    assert.deepEqual(listed, [...ids].sort());

    const all = await ledger.client.request(AccountsDocument, { first: 100 });
    const owners = all.accounts.edges.map((edge) => edge.node.owner);
    assert.deepEqual(owners, [...owners].sort());
  });

  test('64-bit amounts round-trip exactly', async () => {
    const account = await open('big');
    const big = '9223372036854775807';
    const result = await ledger.client.request(DepositDocument, { accountId: account, amount: big });
    assert.equal(result.deposit.amount, big);
    assert.equal(await balance(account), big);
    const overflow = await ledger.client.request(DepositDocument, { accountId: account, amount: '1' });
    assert.equal(overflow.deposit.status, 'FAILED');
    assert.equal(await balance(account), big);
  });
});
