import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  BalanceAtDocument,
  DepositDocument,
  LedgerClientError,
  OpenAccountDocument,
  StatementDocument,
  TransferDocument,
  WithdrawDocument,
} from '@ledger/client';
import type { StatementQuery } from '@ledger/client';
import { startTestSystem } from './testing/harness.js';
import type { TestSystem } from './testing/harness.js';

type Entry = NonNullable<StatementQuery['statement']>['entries']['edges'][number]['node'];

describe('balance history: balanceAt and statements (GraphQL over HTTP)', () => {
  let ledger: TestSystem;
  let alice: string;
  let bob: string;
  // moments[i]: just after the i-th write below returned (read-your-writes: it is projected).
  const moments: string[] = [];
  const tick = async () => {
    await new Promise((resolve) => setTimeout(resolve, 3));
    moments.push(new Date().toISOString());
    await new Promise((resolve) => setTimeout(resolve, 3));
  };

  before(async () => {
    ledger = await startTestSystem();
    const open = async (owner: string) => (await ledger.client.request(OpenAccountDocument, { owner })).openAccount.id;
    alice = await open('alice');
    bob = await open('bob');
    await tick(); // 0
    await ledger.client.request(DepositDocument, { accountId: alice, amount: '1000' });
    await tick(); // 1
    await ledger.client.request(TransferDocument, { from: alice, to: bob, amount: '300' });
    await tick(); // 2
    await ledger.client.request(WithdrawDocument, { accountId: alice, amount: '100' });
    await tick(); // 3
    const refused = await ledger.client.request(TransferDocument, { from: alice, to: bob, amount: '1000000' });
    assert.equal(refused.transfer.status, 'FAILED');
    await tick(); // 4
    await ledger.client.request(DepositDocument, { accountId: alice, amount: '7' });
    await tick(); // 5
  });
  after(async () => {
    await ledger.dispose();
  });

  const balanceAt = async (id: string, at: string) =>
    (await ledger.client.request(BalanceAtDocument, { id, at })).account!.balanceAt;
  /** Every entry of the statement, page by page. */
  const statement = async (accountId: string, from: string, to: string, first = 2) => {
    const entries: Entry[] = [];
    let after: string | null | undefined;
    for (;;) {
      const { statement: page } = await ledger.client.request(StatementDocument, { accountId, from, to, first, after });
      assert.ok(page);
      entries.push(...page.entries.edges.map((edge) => edge.node));
      if (!page.entries.pageInfo.hasNextPage) return { opening: page.opening, closing: page.closing, entries };
      after = page.entries.pageInfo.endCursor;
    }
  };
  const summary = (entries: Entry[]) => entries.map((e) => [e.kind, e.amount, e.counterparty, e.balanceAfter]);

  test('balanceAt: the balance as it was at each moment, 0 before the account existed', async () => {
    assert.equal(await balanceAt(alice, '2000-01-01T00:00:00.000Z'), '0');
    assert.deepEqual(await Promise.all(moments.map((at) => balanceAt(alice, at))), [
      '0',
      '1000',
      '700',
      '600',
      '600',
      '607',
    ]);
    assert.deepEqual(await Promise.all(moments.map((at) => balanceAt(bob, at))), [
      '0',
      '0',
      '300',
      '300',
      '300',
      '300',
    ]);
  });

  test('a statement: opening, entries in order across pages, closing; opening + entries = closing', async () => {
    const full = await statement(alice, moments[0]!, moments[5]!);
    assert.equal(full.opening, '0');
    assert.equal(full.closing, '607');
    assert.deepEqual(summary(full.entries), [
      ['DEPOSIT', '1000', null, '1000'],
      ['TRANSFER', '-300', bob, '700'],
      ['WITHDRAWAL', '-100', null, '600'],
      ['DEPOSIT', '7', null, '607'],
    ]);
    const sequences = full.entries.map((e) => Number(e.position.split(':')[1]));
    assert.deepEqual(
      sequences,
      [...sequences].sort((x, y) => x - y),
    );

    const middle = await statement(alice, moments[1]!, moments[3]!, 1);
    assert.equal(middle.opening, '1000');
    assert.equal(middle.closing, '600');
    const sum = middle.entries.reduce((total, e) => total + BigInt(e.amount), BigInt(middle.opening));
    assert.equal(sum, BigInt(middle.closing));
    assert.deepEqual(summary((await statement(bob, moments[0]!, moments[5]!)).entries), [
      ['TRANSFER', '300', alice, '300'],
    ]);
    const quiet = await statement(alice, moments[3]!, moments[4]!);
    assert.deepEqual([quiet.opening, quiet.entries, quiet.closing], ['600', [], '600']);
  });

  test('an unknown account has no statement; a reversed window, a bad cursor or a day that does not exist is BAD_USER_INPUT', async () => {
    const window = { from: moments[0]!, to: moments[5]! };
    const none = await ledger.client.request(StatementDocument, { accountId: randomUUID(), ...window });
    assert.equal(none.statement, null);
    for (const variables of [
      { accountId: alice, from: moments[5]!, to: moments[0]! },
      { accountId: alice, ...window, after: 'bm90IGEgY3Vyc29y' },
      { accountId: 'not-an-id', ...window },
      // Days that do not exist are refused, not rolled over into the next month or day.
      { accountId: alice, from: '2026-02-30T00:00:00Z', to: moments[5]! },
      { accountId: alice, from: '2026-04-31T12:00:00+02:00', to: moments[5]! },
      { accountId: alice, from: '2026-01-01T24:00:00Z', to: moments[5]! },
    ]) {
      await assert.rejects(ledger.client.request(StatementDocument, variables), (error: unknown) => {
        assert.ok(error instanceof LedgerClientError);
        assert.equal(error.code, 'BAD_USER_INPUT');
        return true;
      });
    }
  });

  test('a rebuild gives the same history', async () => {
    const before = await statement(alice, moments[0]!, moments[5]!);
    const response = await fetch(`${ledger.baseUrl}/rebuild/balance`);
    assert.equal(response.status, 200, await response.text());
    assert.deepEqual(await statement(alice, moments[0]!, moments[5]!), before);
    assert.equal(await balanceAt(alice, moments[2]!), '700');
  });

  test('a statement agrees with itself while changes land: opening + entries = closing in every answer', async () => {
    const from = new Date(Date.now() - 60_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    type Answer = { opening: string; closing: string; entries: string[] };
    type StatementRead = { opening: string; closing: string; entries: { edges: Array<{ node: { amount: string } }> } };
    // Three accounts at once, each with three writers and two readers of its statement.
    const race = async (owner: string): Promise<Answer[]> => {
      const accountId = (await ledger.client.request(OpenAccountDocument, { owner })).openAccount.id;
      let writing = true;
      const writers = Array.from({ length: 3 }, async () => {
        for (let i = 0; i < 30; i += 1) {
          await ledger.client.request(DepositDocument, { accountId, amount: '1', consistency: 'EVENTUAL' });
        }
      });
      const answers: Answer[] = [];
      // Each read asks for the statement ten times over (aliases): ten answers to check per request.
      const query = `{ ${Array.from(
        { length: 10 },
        (_, i) =>
          `s${i}: statement(accountId: "${accountId}", from: "${from}", to: "${to}") { opening closing entries(first: 100) { edges { node { amount } } } }`,
      ).join(' ')} }`;
      const readers = Array.from({ length: 2 }, async () => {
        while (writing) {
          const response = await fetch(ledger.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query }),
          });
          const { data } = (await response.json()) as { data: Record<string, StatementRead> };
          for (const read of Object.values(data)) {
            const entries = read.entries.edges.map((edge) => edge.node.amount);
            answers.push({ opening: read.opening, closing: read.closing, entries });
          }
        }
      });
      await Promise.all(writers);
      writing = false;
      await Promise.all(readers);
      return answers;
    };
    const answers = (await Promise.all(['carol', 'dave', 'erin'].map(race))).flat();
    assert.ok(answers.length >= 300, `${answers.length} statements read while the deposits landed`);
    for (const { opening, closing, entries } of answers) {
      const sum = entries.reduce((total, amount) => total + BigInt(amount), BigInt(opening));
      assert.equal(sum, BigInt(closing), `${entries.length} entries from ${opening} to ${closing}`);
    }
  });

  test("a statement's later pages are read as of its first: changes that land between pages are in none", async () => {
    const frank = (await ledger.client.request(OpenAccountDocument, { owner: 'frank' })).openAccount.id;
    await ledger.client.request(DepositDocument, { accountId: frank, amount: '10' });
    await ledger.client.request(DepositDocument, { accountId: frank, amount: '20' });
    const window = { accountId: frank, from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z', first: 1 };
    const first = (await ledger.client.request(StatementDocument, window)).statement!;
    assert.deepEqual([first.opening, first.closing], ['0', '30']);
    // A change lands while the client pages on.
    await ledger.client.request(DepositDocument, { accountId: frank, amount: '5' });
    const amounts = first.entries.edges.map((edge) => edge.node.amount);
    let page = first;
    while (page.entries.pageInfo.hasNextPage) {
      page = (await ledger.client.request(StatementDocument, { ...window, after: page.entries.pageInfo.endCursor }))
        .statement!;
      assert.deepEqual([page.opening, page.closing], ['0', '30'], "every page is the first page's statement");
      amounts.push(...page.entries.edges.map((edge) => edge.node.amount));
    }
    assert.deepEqual(amounts, ['10', '20']);
    // Asked again from the start, the statement has the new change.
    assert.equal((await ledger.client.request(StatementDocument, window)).statement!.closing, '35');
  });
});
