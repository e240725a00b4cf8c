import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { AccountWithTransactionsDocument, AccountsDocument, DepositDocument, StatementDocument } from '@ledger/client';
import { eventually, startTestSystem } from './testing/harness.js';
import type { TestSystem } from './testing/harness.js';

// An embedded store written by the code before MoneyDeposited and MoneyWithdrawn had a version 2
// (8 partitions): alice, bob and carol; deposits, a withdrawal, transfers, a transfer refused for
// lack of funds, carol closed, then a transfer to her refused and refunded.
const FIXTURE = fileURLToPath(new URL('../fixtures/events-v1.db', import.meta.url));
const EXPECTED = { alice: '757', bob: '650', carol: '0' } as const;

describe('a store written by the previous event schema', () => {
  let ledger: TestSystem;
  let dataDir: string;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ledger-v1-'));
    copyFileSync(FIXTURE, join(dataDir, 'events.db'));
    ledger = await startTestSystem({ dataDir });
  });
  after(async () => {
    await ledger.dispose();
  });

  const accounts = async () => {
    const { accounts: page } = await ledger.client.request(AccountsDocument, { first: 10 });
    return new Map(page.edges.map(({ node }) => [node.owner, node]));
  };
  const balances = async () =>
    Object.fromEntries([...(await accounts())].map(([owner, account]) => [owner, account.balance]));
  const projected = () =>
    eventually(async () => {
      const found = await balances();
      return Object.keys(found).length === 3 && found.alice === EXPECTED.alice ? found : undefined;
    });

  test('its version 1 events are projected as they were written', async () => {
    assert.deepEqual(await projected(), EXPECTED);
    const byOwner = await accounts();
    assert.equal(byOwner.get('carol')!.status, 'CLOSED');
    const alice = await ledger.client.request(AccountWithTransactionsDocument, { id: byOwner.get('alice')!.id });
    const statuses = alice.account!.transactions.edges.map(({ node }) => `${node.kind} ${node.status}`);
    assert.deepEqual(statuses.sort(), [
      'DEPOSIT SUCCEEDED',
      'DEPOSIT SUCCEEDED',
      'TRANSFER FAILED',
      'TRANSFER FAILED',
      'TRANSFER SUCCEEDED',
      'TRANSFER SUCCEEDED',
    ]);
  });

  const aliceStatement = async () => {
    const byOwner = await accounts();
    const { statement } = await ledger.client.request(StatementDocument, {
      accountId: byOwner.get('alice')!.id,
      from: '2000-01-01T00:00:00.000Z',
      to: '2100-01-01T00:00:00.000Z',
    });
    const name = new Map([...byOwner].map(([owner, account]) => [account.id, owner]));
    return {
      opening: statement!.opening,
      closing: statement!.closing,
      entries: statement!.entries.edges.map(({ node }) => [
        node.kind,
        node.amount,
        node.counterparty && name.get(node.counterparty),
        node.balanceAfter,
      ]),
    };
  };
  // Version 1 did not record kinds nor counterparties: the statement takes them from the transactions.
  const ALICE_STATEMENT = {
    opening: '0',
    closing: '757',
    entries: [
      ['DEPOSIT', '1000', null, '1000'],
      ['TRANSFER', '-300', 'bob', '700'],
      ['TRANSFER', '50', 'carol', '750'],
      ['TRANSFER', '-25', 'carol', '725'],
      ['TRANSFER', '25', 'carol', '750'],
      ['DEPOSIT', '7', null, '757'],
    ],
  };

  test("its history: a statement of the old events, with the transactions' kinds and counterparties", async () => {
    await projected();
    assert.deepEqual(await aliceStatement(), ALICE_STATEMENT);
  });

  test('a rebuild from the old events gives the same read model', async () => {
    await projected();
    const response = await fetch(`${ledger.baseUrl}/rebuild/balance`);
    assert.equal(response.status, 200, await response.text());
    assert.deepEqual(await balances(), EXPECTED);
    assert.deepEqual(await aliceStatement(), ALICE_STATEMENT);
  });

  test('new events land after the old ones at the current version, and the old rows are never rewritten', async () => {
    await projected();
    const alice = (await accounts()).get('alice')!;
    const deposit = await ledger.client.request(DepositDocument, { accountId: alice.id, amount: '43' });
    assert.equal(deposit.deposit.status, 'SUCCEEDED');
    assert.equal((await balances()).alice, '800');

    const db = new Database(join(dataDir, 'events.db'), { readonly: true });
    try {
      const rows = db
        .prepare(`SELECT schema_version AS v, data FROM events WHERE aggregate_id = ? AND type = 'MoneyDeposited'`)
        .all(alice.id) as Array<{ v: number; data: string }>;
      const versions = rows.map((row) => row.v);
      assert.deepEqual(versions, [1, 1, 1, 1, 2]);
      assert.deepEqual(JSON.parse(rows.at(-1)!.data), {
        amount: '43',
        balance: '800',
        transactionId: deposit.deposit.id,
        kind: 'DEPOSIT',
        counterparty: null,
      });
    } finally {
      db.close();
    }
  });
});
