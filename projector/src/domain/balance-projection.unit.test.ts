import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPosition, MAX_MONEY } from '@ledger/platform';
import type { AccountView, TransactionView } from '@ledger/schema';
import { documentIds, projectBalance } from './balance-projection.js';
import type { ProjectionResult, ProjectionState } from './balance-projection.js';
import { createLedgerScript } from '../testing/ledger-script.js';

const empty: ProjectionState = { accounts: new Map(), transactions: new Map() };

const stateOf = (result: ProjectionResult, previous: ProjectionState = empty): ProjectionState => ({
  accounts: new Map<string, AccountView>([...previous.accounts, ...result.accounts.map((a) => [a.id, a] as const)]),
  transactions: new Map<string, TransactionView>([
    ...previous.transactions,
    ...result.transactions.map((t) => [t.id, t] as const),
  ]),
});

describe('balance projection', () => {
  test('opens an account and takes the balance after each deposit and withdrawal', () => {
    const script = createLedgerScript({ partitions: 1 });
    const opened = script.open('acc-1', 'alice');
    const deposit = script.deposit('acc-1', 500n, 'tx-d');
    const withdrawal = script.withdraw('acc-1', 200n, 'tx-w');

    const result = projectBalance(empty, script.events);

    assert.equal(result.accounts.length, 1);
    const account = result.accounts[0]!;
    assert.equal(account.owner, 'alice');
    assert.equal(account.balance, '300');
    assert.equal(account.status, 'OPEN');
    assert.equal(account.version, 3);
    assert.equal(account.position, formatPosition(withdrawal[1]!.position));
    assert.equal(account.updatedAt, withdrawal[1]!.occurredAt);

    const notices = result.notifications.flatMap((n) => (n.type === 'balanceChanged' ? [n.notice] : []));
    assert.deepEqual(
      notices.map((c) => [c.balanceAfter, c.amount, c.transactionId, c.position, c.previousSequence]),
      [
        // Each says which of the account's events comes before it: AccountOpened, then the deposit.
        ['500', '500', 'tx-d', formatPosition(deposit[1]!.position), opened[0]!.position.sequence],
        ['300', '-200', 'tx-w', formatPosition(withdrawal[1]!.position), deposit[1]!.position.sequence],
      ],
    );
    assert.deepEqual(
      notices,
      result.history.map((entry, i) => ({ ...entry, previousSequence: notices[i]!.previousSequence })),
    );
  });

  test('a transaction settles with the positions of its account events', () => {
    const script = createLedgerScript({ partitions: 4 });
    script.open('a', 'alice');
    script.open('b', 'bob');
    script.deposit('a', 100n, 'tx-1');
    const transfer = script.transfer('a', 'b', 60n, 'tx-2');
    const failed = script.failTransfer('a', 'b', 1_000n, 'tx-3');

    const result = projectBalance(empty, script.events);
    const transactions = new Map(result.transactions.map((t) => [t.id, t]));

    const settled = transactions.get('tx-2')!;
    assert.equal(settled.kind, 'TRANSFER');
    assert.equal(settled.status, 'SUCCEEDED');
    assert.equal(settled.from, 'a');
    assert.equal(settled.to, 'b');
    assert.equal(settled.amount, '60');
    assert.equal(settled.createdAt, transfer[0]!.occurredAt);
    assert.deepEqual(settled.accountPositions, [
      formatPosition(transfer[1]!.position),
      formatPosition(transfer[2]!.position),
    ]);

    const refused = transactions.get('tx-3')!;
    assert.equal(refused.status, 'FAILED');
    assert.equal(refused.failureReason, 'insufficient funds');
    assert.equal(refused.updatedAt, failed[1]!.occurredAt);

    const updates = result.notifications.flatMap((n) =>
      n.type === 'transactionUpdated' && n.transaction.id === 'tx-2' ? [n.transaction.status] : [],
    );
    assert.deepEqual(updates, ['PENDING', 'SUCCEEDED']);
    const accounts = new Map(result.accounts.map((a) => [a.id, a.balance]));
    assert.deepEqual(Object.fromEntries(accounts), { a: '40', b: '60' });
  });

  test('each money event adds a history entry: kind, counterparty, signed amount, balance after', () => {
    const script = createLedgerScript({ partitions: 1 });
    script.open('a', 'alice');
    script.open('b', 'bob');
    script.deposit('a', 90n, 'tx-d');
    const [, withdrawn, deposited] = script.transfer('a', 'b', 30n, 'tx-t');
    script.changeOwner('b', 'carol');

    const { history } = projectBalance(empty, script.events);

    assert.deepEqual(
      history.map((e) => [e.accountId, e.transactionId, e.kind, e.amount, e.counterparty, e.balanceAfter]),
      [
        ['a', 'tx-d', 'DEPOSIT', '90', null, '90'],
        ['a', 'tx-t', 'TRANSFER', '-30', 'b', '60'],
        ['b', 'tx-t', 'TRANSFER', '30', 'a', '30'],
      ],
    );
    assert.deepEqual(
      history.slice(1).map((e) => [e.position, e.at]),
      [withdrawn, deposited].map((e) => [formatPosition(e!.position), e!.occurredAt]),
    );
  });

  test("an account's times never go back, so its history in time order is its history in position order", () => {
    const script = createLedgerScript({ partitions: 1 });
    const [opened] = script.open('a', 'alice');
    const [, first] = script.deposit('a', 10n);
    const [, second] = script.deposit('a', 5n);
    // A writer whose clock is behind recorded the second deposit "before" the first.
    const skewed = { ...second!, occurredAt: new Date(Date.parse(first!.occurredAt) - 5).toISOString() };

    const { history, accounts } = projectBalance(empty, [opened!, first!, skewed]);

    assert.deepEqual(
      history.map((e) => e.at),
      [first!.occurredAt, first!.occurredAt],
    );
    assert.equal(accounts[0]!.updatedAt, first!.occurredAt);
  });

  test('applying the same events again changes nothing and notifies nothing', () => {
    const script = createLedgerScript({ partitions: 1 });
    script.open('acc-1', 'alice');
    script.deposit('acc-1', 5n);
    const first = projectBalance(empty, script.events);

    const again = projectBalance(stateOf(first), script.events);

    assert.deepEqual(again, { accounts: [], transactions: [], history: [], notifications: [] });
  });

  test('an event at or below the stored position never moves a document back', () => {
    const script = createLedgerScript({ partitions: 1 });
    const [opened] = script.open('acc-1', 'alice');
    const [requested, deposited] = script.deposit('acc-1', 70n);
    const state = stateOf(projectBalance(empty, script.events));

    const stale = projectBalance(state, [opened!, deposited!, requested!]);

    assert.deepEqual(stale.accounts, []);
    assert.deepEqual(stale.transactions, []);
    assert.deepEqual(stale.notifications, []);
  });

  test('continues from stored documents, skipping what they already hold', () => {
    const script = createLedgerScript({ partitions: 1 });
    script.open('acc-1', 'alice');
    script.deposit('acc-1', 10n);
    const state = stateOf(projectBalance(empty, script.events));
    const seen = script.events.length;
    script.changeOwner('acc-1', 'alicia');
    script.withdraw('acc-1', 4n);

    const result = projectBalance(state, script.events);

    assert.equal(result.accounts[0]!.owner, 'alicia');
    assert.equal(result.accounts[0]!.balance, '6');
    assert.equal(result.accounts[0]!.version, 4);
    assert.equal(result.notifications.length, script.events.length - seen - 1); // OwnerChanged notifies nothing
  });

  test('64-bit balances pass through exactly', () => {
    const script = createLedgerScript({ partitions: 1 });
    script.open('rich', 'carol');
    script.deposit('rich', MAX_MONEY);
    const result = projectBalance(empty, script.events);
    assert.equal(result.accounts[0]!.balance, '9223372036854775807');
    const change = result.notifications.find((n) => n.type === 'balanceChanged');
    assert.equal(change?.type === 'balanceChanged' && change.notice.amount, '9223372036854775807');
  });

  test('a closed account keeps its balance', () => {
    const script = createLedgerScript({ partitions: 1 });
    script.open('acc-1', 'alice');
    const result = projectBalance(empty, [
      ...script.events,
      {
        ...script.events[0]!,
        eventId: 'close',
        version: 2,
        type: 'AccountClosed',
        data: {},
        position: { partition: 0, sequence: 2 },
      },
    ]);
    assert.equal(result.accounts[0]!.status, 'CLOSED');
    assert.equal(result.accounts[0]!.balance, '0');
  });

  test('documentIds lists each touched document once', () => {
    const script = createLedgerScript({ partitions: 2 });
    script.open('a', 'alice');
    script.open('b', 'bob');
    script.deposit('a', 5n, 'tx-1');
    script.transfer('a', 'b', 1n, 'tx-2');
    assert.deepEqual(documentIds(script.events), { accountIds: ['a', 'b'], transactionIds: ['tx-1', 'tx-2'] });
  });
});
