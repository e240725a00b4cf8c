import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { formatPosition, partitionOf } from '@ledger/platform';
import { createLedgerHarness } from '../testing/ledger-harness.js';
import type { LedgerHarness } from '../testing/ledger-harness.js';
import type { AppendRequest, EventStore } from '../ports/event-store.js';
import { transactionAggregate } from './aggregates.js';
import { createCommandHandler } from './command-handler.js';
import { createSettlementSagaTask, SAGA_WORKER } from './saga.js';
import { createStateCaches } from './state-cache.js';

describe('settlement saga', () => {
  let ledger: LedgerHarness;
  before(async () => {
    ledger = await createLedgerHarness();
  });
  after(() => ledger.close());

  test('deposit, withdrawal and transfer succeed with the positions of their account events', async () => {
    const a = await ledger.funded('A', 100n);
    const { accountId: b } = await ledger.commands.openAccount({ owner: 'B' });
    const withdrawal = await ledger.commands.withdraw({ accountId: a, amount: 10n });
    const transfer = await ledger.commands.transfer({ from: a, to: b, amount: 25n });
    assert.equal((await ledger.settled(withdrawal.transactionId)).status, 'SUCCEEDED');
    const settled = await ledger.settled(transfer.transactionId);
    assert.equal(settled.status, 'SUCCEEDED');
    assert.equal(await ledger.balance(a), 65n);
    assert.equal(await ledger.balance(b), 25n);

    const [withdrawn] = (await ledger.store.readAggregate(a)).filter(
      (e) =>
        e.type === 'MoneyWithdrawn' && (e.data as { transactionId: string }).transactionId === transfer.transactionId,
    );
    const [deposited] = await ledger.store.readAggregate(b, 1);
    assert.deepEqual(settled.positions, [formatPosition(withdrawn!.position), formatPosition(deposited!.position)]);
    assert.equal(withdrawn!.metadata.idempotencyKey, `${transfer.transactionId}/withdraw`);
    assert.equal(deposited!.metadata.idempotencyKey, `${transfer.transactionId}/deposit`);
    const [requested] = await ledger.store.readAggregate(transfer.transactionId);
    assert.equal(deposited!.metadata.causationId, requested!.eventId);
  });

  test("the settlement rides on the last step's append: a deposit or a withdrawal takes one, a transfer two", async () => {
    const ledger = await createLedgerHarness();
    try {
      const { accountId: a } = await ledger.commands.openAccount({ owner: 'A' });
      const { accountId: b } = await ledger.commands.openAccount({ owner: 'B' });
      // The saga's steps, as the store is asked for them from here on.
      const steps: AppendRequest[] = [];
      const append = ledger.store.append.bind(ledger.store);
      ledger.store.append = (request) => {
        if (request.aggregateType === 'Account') steps.push(request);
        return append(request);
      };
      const deposit = await ledger.commands.deposit({ accountId: a, amount: 30n });
      const deposited = await ledger.settled(deposit.transactionId);
      const transfer = await ledger.commands.transfer({ from: a, to: b, amount: 20n });
      const transferred = await ledger.settled(transfer.transactionId);
      const withdrawal = await ledger.commands.withdraw({ accountId: a, amount: 4n });
      const withdrawn = await ledger.settled(withdrawal.transactionId);
      assert.equal(deposited.status, 'SUCCEEDED');
      assert.equal(transferred.status, 'SUCCEEDED');
      assert.equal(withdrawn.status, 'SUCCEEDED');
      assert.deepEqual(
        steps.map((request) => [request.aggregateId, request.events[0]!.type, request.followedBy?.aggregateId]),
        [
          [a, 'MoneyDeposited', deposit.transactionId],
          [a, 'MoneyWithdrawn', undefined],
          [b, 'MoneyDeposited', transfer.transactionId],
          [a, 'MoneyWithdrawn', withdrawal.transactionId],
        ],
      );
      const [, toA, fromA, outOfA] = await ledger.store.readAggregate(a);
      const [, toB] = await ledger.store.readAggregate(b);
      assert.deepEqual(deposited.positions, [formatPosition(toA!.position)]);
      assert.deepEqual(transferred.positions, [formatPosition(fromA!.position), formatPosition(toB!.position)]);
      assert.deepEqual(withdrawn.positions, [formatPosition(outOfA!.position)]);
      assert.equal(await ledger.balance(a), 6n);
      assert.equal(await ledger.balance(b), 20n);
    } finally {
      await ledger.close();
    }
  });

  test('an overdraft fails with the reason and moves no money', async () => {
    const a = await ledger.funded('A', 50n);
    const { accountId: b } = await ledger.commands.openAccount({ owner: 'B' });
    const { transactionId } = await ledger.commands.transfer({ from: a, to: b, amount: 80n });
    const settled = await ledger.settled(transactionId);
    assert.equal(settled.status, 'FAILED');
    assert.equal(settled.failureReason, 'insufficient funds: balance 50, amount 80');
    assert.deepEqual(settled.positions, []);
    assert.equal(await ledger.balance(a), 50n);
    assert.equal(await ledger.balance(b), 0n);
  });

  test('a deposit refused after the withdrawal refunds the source and fails', async () => {
    const a = await ledger.funded('A', 40n);
    const { accountId: b } = await ledger.commands.openAccount({ owner: 'B' });
    await ledger.accounts.handle(b, { type: 'Close' });
    const { transactionId } = await ledger.commands.transfer({ from: a, to: b, amount: 15n });
    const settled = await ledger.settled(transactionId);
    assert.equal(settled.status, 'FAILED');
    assert.match(settled.failureReason!, /account is closed/);
    assert.equal(await ledger.balance(a), 40n);
    const moves = (await ledger.store.readAggregate(a)).filter(
      (e) => (e.data as { transactionId?: string }).transactionId === transactionId,
    );
    assert.deepEqual(
      moves.map((e) => [e.type, e.data]),
      [
        ['MoneyWithdrawn', { amount: '15', balance: '25', transactionId, kind: 'TRANSFER', counterparty: b }],
        [
          'MoneyDeposited',
          { amount: '15', balance: '40', transactionId, kind: 'TRANSFER', counterparty: b, refund: true },
        ],
      ],
    );
    assert.deepEqual(
      settled.positions,
      moves.map((e) => formatPosition(e.position)),
    );
  });

  test('a deposit to a closed account fails without any refund', async () => {
    const { accountId } = await ledger.commands.openAccount({ owner: 'C' });
    await ledger.accounts.handle(accountId, { type: 'Close' });
    const { transactionId } = await ledger.commands.deposit({ accountId, amount: 5n });
    const settled = await ledger.settled(transactionId);
    assert.equal(settled.status, 'FAILED');
    assert.equal(settled.failureReason, 'account is closed');
    assert.equal((await ledger.store.readAggregate(accountId)).length, 2);
  });

  test('100 concurrent deposits on one account all land', async () => {
    const { accountId } = await ledger.commands.openAccount({ owner: 'Busy' });
    const accepted = await Promise.all(
      Array.from({ length: 100 }, (_, i) => ledger.commands.deposit({ accountId, amount: BigInt(i + 1) })),
    );
    for (const { transactionId } of accepted) assert.equal((await ledger.settled(transactionId)).status, 'SUCCEEDED');
    assert.equal(await ledger.balance(accountId), 5050n);
    const versions = (await ledger.store.readAggregate(accountId)).map((e) => e.version);
    assert.deepEqual(
      versions,
      versions.map((_, i) => i + 1),
    );
    assert.equal(versions.length, 101);
    // The handler snapshots every 100 events: the account loads from it.
    assert.equal((await ledger.store.loadSnapshot(accountId))?.version, 100);
  });
});

describe('settlement saga after a crash', () => {
  test('finishes a transfer whose withdrawal was already recorded, with one effect', async () => {
    const ledger = await createLedgerHarness();
    try {
      const a = await ledger.funded('A', 100n);
      const { accountId: b } = await ledger.commands.openAccount({ owner: 'B' });
      await ledger.stopWorkers();

      // The saga crashed right after the withdrawal: it is recorded with its key, nothing else is.
      const { transactionId } = await ledger.commands.transfer({ from: a, to: b, amount: 100n });
      const withdrawn = await ledger.accounts.handle(
        a,
        { type: 'Withdraw', amount: 100n, transactionId, kind: 'TRANSFER', counterparty: b },
        { idempotency: { key: `${transactionId}/withdraw`, fingerprint: 'crashed run' } },
      );
      assert.equal(await ledger.balance(a), 0n);

      await ledger.startWorkers();
      const settled = await ledger.settled(transactionId);
      assert.equal(settled.status, 'SUCCEEDED', settled.failureReason ?? '');
      assert.equal(settled.positions[0], formatPosition(withdrawn.events[0]!.position));
      assert.equal(await ledger.balance(a), 0n);
      assert.equal(await ledger.balance(b), 100n);
      assert.equal((await ledger.store.readAggregate(a)).filter((e) => e.type === 'MoneyWithdrawn').length, 1);
    } finally {
      await ledger.close();
    }
  });

  test('a refund recorded by a crashed run is never followed by the deposit', async () => {
    const ledger = await createLedgerHarness();
    try {
      const a = await ledger.funded('A', 30n);
      const { accountId: b } = await ledger.commands.openAccount({ owner: 'B' });
      await ledger.stopWorkers();
      const { transactionId } = await ledger.commands.transfer({ from: a, to: b, amount: 30n });
      const step = (key: string) => ({ idempotency: { key: `${transactionId}/${key}`, fingerprint: 'crashed run' } });
      await ledger.accounts.handle(
        a,
        { type: 'Withdraw', amount: 30n, transactionId, kind: 'TRANSFER', counterparty: b },
        step('withdraw'),
      );
      await ledger.accounts.handle(
        a,
        { type: 'Deposit', amount: 30n, transactionId, kind: 'TRANSFER', counterparty: b, refund: true },
        step('refund'),
      );

      await ledger.startWorkers();
      const settled = await ledger.settled(transactionId);
      assert.equal(settled.status, 'FAILED');
      assert.equal(settled.positions.length, 2);
      assert.equal(await ledger.balance(a), 30n);
      assert.equal(await ledger.balance(b), 0n);
    } finally {
      await ledger.close();
    }
  });

  test('a transaction failed on a refused step stays failed for a later run that still has it pending', async () => {
    const ledger = await createLedgerHarness();
    try {
      const a = await ledger.funded('A', 10n);
      await ledger.stopWorkers();
      const { transactionId } = await ledger.commands.withdraw({ accountId: a, amount: 50n });
      // A worker of another process read the transaction while it was pending (its command service did).
      const caches = createStateCaches(100);
      await createCommandHandler(transactionAggregate, { store: ledger.store, caches }).load(transactionId);
      await ledger.startWorkers();
      const failed = await ledger.settled(transactionId);
      assert.equal(failed.status, 'FAILED');
      assert.equal(failed.failureReason, 'insufficient funds: balance 10, amount 50');
      const { transactionId: topUp } = await ledger.commands.deposit({ accountId: a, amount: 100n });
      assert.equal((await ledger.settled(topUp)).status, 'SUCCEEDED');
      await ledger.stopWorkers();

      // That worker gets the partition and the request again (from the start): its cache says PENDING,
      // and the account now holds enough. The step's key, recorded with the failure, refuses it.
      const partition = partitionOf(transactionId, 4);
      const replaying: EventStore = Object.assign(Object.create(ledger.store) as EventStore, {
        getCheckpoint: async () => 0,
      });
      const stale = createSettlementSagaTask({ store: replaying, caches, pollMs: 50 });
      const stop = new AbortController();
      const lease = { name: `${SAGA_WORKER}-${partition}`, owner: 'stale', token: 1_000_000, expiresAt: Infinity };
      const running = stale({ partition, lease, signal: stop.signal });
      await new Promise((resolve) => setTimeout(resolve, 500));
      stop.abort();
      await running;

      assert.equal(await ledger.balance(a), 110n);
      const withdrawn = (await ledger.store.readAggregate(a)).filter(
        (e) => e.type === 'MoneyWithdrawn' && (e.data as { transactionId: string }).transactionId === transactionId,
      );
      assert.deepEqual(withdrawn, []);
      assert.equal((await ledger.transactions.load(transactionId)).state.status, 'FAILED');
      // What any later run of the step gets: the failure, not a withdrawal.
      const again = await ledger.accounts.handle(
        a,
        { type: 'Withdraw', amount: 50n, transactionId, kind: 'WITHDRAWAL', counterparty: null },
        { idempotency: { key: `${transactionId}/withdraw`, fingerprint: 'a later run' } },
      );
      assert.equal(again.status, 'duplicate');
      assert.equal(again.events[0]!.type, 'TransactionFailed');
    } finally {
      await ledger.close();
    }
  });

  test('money is conserved under a mixed concurrent workload', async () => {
    const ledger = await createLedgerHarness();
    try {
      const ids = await Promise.all(['A', 'B', 'C', 'D', 'E'].map((owner) => ledger.funded(owner, 100n)));
      const pick = (i: number) => ids[i % ids.length]!;
      const accepted = await Promise.all(
        Array.from({ length: 120 }, (_, i) => {
          const amount = BigInt((i * 37) % 90) + 1n;
          if (i % 3 === 0) return ledger.commands.deposit({ accountId: pick(i), amount });
          if (i % 3 === 1) return ledger.commands.withdraw({ accountId: pick(i), amount });
          return ledger.commands.transfer({ from: pick(i), to: pick(i + 1 + (i % 4)), amount });
        }),
      );
      let expected = 500n;
      let failed = 0;
      for (const { transactionId } of accepted) {
        const tx = await ledger.settled(transactionId);
        if (tx.status === 'FAILED') failed++;
        else if (tx.kind === 'DEPOSIT') expected += tx.amount;
        else if (tx.kind === 'WITHDRAWAL') expected -= tx.amount;
      }
      assert.ok(failed > 0, 'the workload should include some overdrafts');
      let sum = 0n;
      for (const id of ids) {
        const balance = await ledger.balance(id);
        assert.ok(balance >= 0n);
        sum += balance;
      }
      assert.equal(sum, expected);
      // The balance carried by each account's last event agrees with the folded state.
      for (const id of ids) {
        const last = (await ledger.store.readAggregate(id)).at(-1)!;
        assert.equal(BigInt((last.data as { balance: string }).balance), await ledger.balance(id));
      }
    } finally {
      await ledger.close();
    }
  });
});

describe('transfer saga over a backlog', () => {
  test('a batch settles side by side yet each account sees its transactions in partition order', async () => {
    // One partition and no workers yet: everything below waits in one batch.
    const ledger = await createLedgerHarness({ partitions: 1, workers: false });
    try {
      const open = async (owner: string) => (await ledger.commands.openAccount({ owner })).accountId;
      const [a, b] = [await open('A'), await open('B')];
      const others = await Promise.all(Array.from({ length: 20 }, (_, i) => open(`other-${i}`)));
      const steps = [
        await ledger.commands.deposit({ accountId: a, amount: 10n }), // A 10
        await ledger.commands.transfer({ from: a, to: b, amount: 10n }), // A 0, B 10: needs the deposit first
        await ledger.commands.withdraw({ accountId: a, amount: 1n }), // refused: A is empty by now
        await ledger.commands.deposit({ accountId: b, amount: 5n }), // B 15
        await ledger.commands.transfer({ from: b, to: a, amount: 15n }), // B 0, A 15: needs both before it
      ];
      const independent = await Promise.all(
        others.map((accountId) => ledger.commands.deposit({ accountId, amount: 7n })),
      );
      await ledger.startWorkers();
      const outcomes = [];
      for (const step of steps) outcomes.push((await ledger.settled(step.transactionId)).status);
      assert.deepEqual(outcomes, ['SUCCEEDED', 'SUCCEEDED', 'FAILED', 'SUCCEEDED', 'SUCCEEDED']);
      assert.equal(await ledger.balance(a), 15n);
      assert.equal(await ledger.balance(b), 0n);
      for (const { transactionId } of independent)
        assert.equal((await ledger.settled(transactionId)).status, 'SUCCEEDED');
      for (const accountId of others) assert.equal(await ledger.balance(accountId), 7n);
    } finally {
      await ledger.close();
    }
  });
});
