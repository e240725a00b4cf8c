import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UnavailableError, formatPosition } from '@ledger/platform';
import type { AccountEvent } from '@ledger/schema';
import { createSqliteEventStore } from '../adapters/sqlite/event-store.js';
import { accountDecider, decodeAccountState, encodeAccountState } from '../domain/account.js';
import { evolveAll } from '../domain/decider.js';
import type { EventStore } from '../ports/event-store.js';
import { accountAggregate, transactionAggregate } from './aggregates.js';
import { createCommandHandler } from './command-handler.js';
import type { CommandHandlerOptions } from './command-handler.js';

/** An open account in a fresh in-memory store, under a handler with these options. */
async function openAccount(options: Omit<CommandHandlerOptions, 'store'> = {}) {
  const store: EventStore = createSqliteEventStore({ path: ':memory:', partitions: 2 });
  const accounts = createCommandHandler(accountAggregate, { ...options, store });
  const id = randomUUID();
  await accounts.handle(id, { type: 'Open', owner: 'Ada' });
  return { store, accounts, id };
}

const deposit = (amount: bigint) => ({
  type: 'Deposit' as const,
  amount,
  transactionId: randomUUID(),
  kind: 'DEPOSIT' as const,
  counterparty: null,
});

describe('command handler', () => {
  test('stamps events with the injected clock and ids', async () => {
    let n = 0;
    const at = new Date('2026-03-04T05:06:07.000Z');
    const { store, accounts, id } = await openAccount({ now: () => at, newId: () => `event-${++n}` });
    try {
      const result = await accounts.handle(id, deposit(5n), { metadata: { correlationId: 'c' } });
      assert.equal(result.status, 'appended');
      assert.equal(result.events[0]!.eventId, 'event-2');
      assert.equal(result.events[0]!.occurredAt, at.toISOString());
      assert.deepEqual(result.events[0]!.metadata, { correlationId: 'c' });
      assert.ok(result.status === 'appended' && result.state.balance === 5n);
    } finally {
      await store.close();
    }
  });

  test('commands on one aggregate through one handler take turns instead of conflicting', async () => {
    // One attempt each: a command that lost a race would fail.
    const { store, accounts, id } = await openAccount({ maxAttempts: 1 });
    try {
      await Promise.all(Array.from({ length: 30 }, () => accounts.handle(id, deposit(2n))));
      assert.equal((await accounts.load(id)).state.balance, 60n);
      assert.equal((await accounts.load(id)).version, 31);
    } finally {
      await store.close();
    }
  });

  test('retries conflicting commands against fresh state until every one lands', async () => {
    const { store, accounts, id } = await openAccount();
    // Other handlers on the store stand for other processes: their commands race with these.
    const others = [1, 2].map(() => createCommandHandler(accountAggregate, { store }));
    try {
      await Promise.all(
        [accounts, ...others].flatMap((handler) => Array.from({ length: 10 }, () => handler.handle(id, deposit(2n)))),
      );
      assert.equal((await accounts.load(id)).state.balance, 60n);
      assert.equal((await accounts.load(id)).version, 31);
    } finally {
      await store.close();
    }
  });

  test('gives up with UnavailableError after its attempts and writes nothing for the loser', async () => {
    const { store, accounts, id } = await openAccount({ maxAttempts: 1 });
    const other = createCommandHandler(accountAggregate, { store, maxAttempts: 1 });
    try {
      const outcomes = await Promise.allSettled(
        [accounts, other].flatMap((handler) => Array.from({ length: 3 }, () => handler.handle(id, deposit(1n)))),
      );
      const rejected = outcomes.filter((o) => o.status === 'rejected');
      assert.ok(rejected.length > 0);
      for (const o of rejected) {
        assert.ok(o.reason instanceof UnavailableError);
        assert.match(o.reason.message, /gave up after 1 attempts/);
      }
      const landed = outcomes.length - rejected.length;
      assert.equal((await accounts.load(id)).state.balance, BigInt(landed));
    } finally {
      await store.close();
    }
  });

  test('an idempotency key returns the first outcome without deciding again', async () => {
    const { store, accounts, id } = await openAccount();
    try {
      await accounts.handle(id, deposit(10n));
      const key = { key: 'tx-1/withdraw', fingerprint: 'f' };
      const first = await accounts.handle(
        id,
        { type: 'Withdraw', amount: 10n, transactionId: 'tx-1', kind: 'WITHDRAWAL', counterparty: null },
        { idempotency: key },
      );
      // The balance is now 0: deciding again would refuse, the key returns the recorded event instead.
      const again = await accounts.handle(
        id,
        { type: 'Withdraw', amount: 10n, transactionId: 'tx-1', kind: 'WITHDRAWAL', counterparty: null },
        { idempotency: key },
      );
      assert.equal(again.status, 'duplicate');
      assert.deepEqual(again.events, first.events);
      assert.equal(first.events[0]!.metadata.idempotencyKey, 'tx-1/withdraw');
      assert.deepEqual(await accounts.recorded('tx-1/withdraw'), again);
      assert.equal(await accounts.recorded('tx-2/withdraw'), null);
      assert.equal((await accounts.load(id)).version, 3);
    } finally {
      await store.close();
    }
  });

  test('a repeated keyed command that would succeed again is answered with the first outcome, not applied twice', async () => {
    const { store, accounts, id } = await openAccount();
    try {
      const key = { key: 'tx-9/deposit', fingerprint: 'f' };
      const step = { ...deposit(10n), transactionId: 'tx-9' };
      const first = await accounts.handle(id, step, { idempotency: key });
      const again = await accounts.handle(id, step, { idempotency: key });
      assert.equal(again.status, 'duplicate');
      assert.deepEqual(again.events, first.events);
      const { state, version } = await accounts.load(id);
      assert.deepEqual([state.balance, version], [10n, 2], 'deposited once');
    } finally {
      await store.close();
    }
  });

  test('snapshots every N events and loads from the snapshot plus later events', async () => {
    const { store, accounts, id } = await openAccount({ snapshotEvery: 3 });
    try {
      // Opened + 6 deposits = version 7: the snapshot was taken at 6.
      for (let i = 1n; i <= 6n; i++) await accounts.handle(id, deposit(i));
      const snapshot = await store.loadSnapshot(id);
      assert.equal(snapshot?.version, 6);
      const events = (await store.readAggregate(id)) as unknown as AccountEvent[];
      assert.deepEqual(decodeAccountState(snapshot!.state), evolveAll(accountDecider, events.slice(0, 6)));

      await accounts.handle(id, deposit(100n));
      assert.deepEqual(await accounts.load(id), {
        state: evolveAll(accountDecider, (await store.readAggregate(id)) as unknown as AccountEvent[]),
        version: 8,
      });
      // A cold load (a handler with nothing cached) starts from the snapshot: a doctored one shows through.
      await store.saveSnapshot({
        ...snapshot!,
        version: 8,
        state: encodeAccountState({ ...decodeAccountState(snapshot!.state), owner: 'Snap', version: 8 }),
      });
      assert.equal((await createCommandHandler(accountAggregate, { store }).load(id)).state.owner, 'Snap');
      assert.equal((await accounts.load(id)).state.owner, 'Ada', 'the handler that wrote it has it cached');
    } finally {
      await store.close();
    }
  });

  test('a command on a cached aggregate decides without reading the store; a stale cache costs one retry', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-'));
    const file = path.join(dir, 'events.db');
    const here = createSqliteEventStore({ path: file, partitions: 2 });
    const there = createSqliteEventStore({ path: file, partitions: 2 });
    let reads = 0;
    const counted: EventStore = {
      ...here,
      readAggregate: (...args) => (reads++, here.readAggregate(...args)),
    };
    const withdraw = (amount: bigint) => ({
      type: 'Withdraw' as const,
      amount,
      transactionId: randomUUID(),
      kind: 'WITHDRAWAL' as const,
      counterparty: null,
    });
    try {
      const accounts = createCommandHandler(accountAggregate, { store: counted });
      const elsewhere = createCommandHandler(accountAggregate, { store: there });
      const id = randomUUID();
      await accounts.handle(id, { type: 'Open', owner: 'Ada' });
      reads = 0;
      await accounts.handle(id, deposit(12n));
      assert.equal(reads, 0, 'the cached state was enough to decide and append');

      // Another process takes 10 of the 12; this handler's cache still says 12.
      await elsewhere.handle(id, withdraw(10n));
      await assert.rejects(accounts.handle(id, withdraw(5n)), /insufficient|funds|balance/i);
      assert.ok(reads > 0, 'the conflict sent it to the store');
      const events = (await here.readAggregate(id)) as unknown as AccountEvent[];
      assert.equal(evolveAll(accountDecider, events).balance, 2n, 'the stale decision wrote nothing');
      assert.equal(events.length, 3);
    } finally {
      await here.close();
      await there.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a created aggregate is decided without a read; an id already taken is still refused', async () => {
    const store = createSqliteEventStore({ path: ':memory:', partitions: 2 });
    let reads = 0;
    const counted: EventStore = {
      ...store,
      readAggregate: (...args) => (reads++, store.readAggregate(...args)),
      loadSnapshot: (...args) => (reads++, store.loadSnapshot(...args)),
    };
    try {
      const accounts = createCommandHandler(accountAggregate, { store: counted, cacheSize: 0 });
      const id = randomUUID();
      await accounts.handle(id, { type: 'Open', owner: 'Ada' }, { created: true });
      assert.equal(reads, 0);
      await assert.rejects(accounts.handle(id, { type: 'Open', owner: 'Eve' }, { created: true }), /already/i);
      const events = await store.readAggregate(id);
      assert.equal(events.length, 1, 'the second open wrote nothing');
      assert.equal((events[0]!.data as { owner: string }).owner, 'Ada');
    } finally {
      await store.close();
    }
  });

  test('a cached state still sees what another store handle on the same file appended', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-'));
    const file = path.join(dir, 'events.db');
    const here = createSqliteEventStore({ path: file, partitions: 2 });
    const there = createSqliteEventStore({ path: file, partitions: 2 });
    try {
      const accounts = createCommandHandler(accountAggregate, { store: here });
      const elsewhere = createCommandHandler(accountAggregate, { store: there });
      const id = randomUUID();
      await accounts.handle(id, { type: 'Open', owner: 'Ada' });
      await accounts.handle(id, deposit(5n));
      await elsewhere.handle(id, deposit(7n));
      // Only a handler that saw the other deposit can withdraw all 12.
      const withdrawn = await accounts.handle(id, {
        type: 'Withdraw',
        amount: 12n,
        transactionId: randomUUID(),
        kind: 'WITHDRAWAL',
        counterparty: null,
      });
      assert.ok(withdrawn.status === 'appended');
      assert.equal(withdrawn.state.balance, 0n);
      assert.equal(withdrawn.events[0]!.version, 4);
      await elsewhere.handle(id, { type: 'ChangeOwner', owner: 'Grace' });
      const events = (await here.readAggregate(id)) as unknown as AccountEvent[];
      assert.deepEqual(await accounts.load(id), { state: evolveAll(accountDecider, events), version: 5 });
      assert.equal((await accounts.load(id)).state.owner, 'Grace');
    } finally {
      await here.close();
      await there.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a command prepared by one handler follows another handler's append and is kept as appended", async () => {
    const { store, accounts, id } = await openAccount();
    const transactions = createCommandHandler(transactionAggregate, { store });
    try {
      const txId = randomUUID();
      const request = { type: 'Request' as const, kind: 'DEPOSIT' as const, from: null, to: id, amount: 5n };
      await transactions.handle(txId, request, { created: true });
      // Refused (a transaction that was never requested): nothing to prepare.
      assert.equal(await transactions.prepare(randomUUID(), { type: 'Succeed', positions: [] }), null);

      const succeed = await transactions.prepare(txId, { type: 'Succeed', positions: [] });
      assert.ok(succeed);
      assert.equal(succeed.appended, false);
      const step = await accounts.handle(id, { ...deposit(5n), transactionId: txId }, { followedBy: succeed });
      assert.ok(step.status === 'appended');
      assert.equal(succeed.appended, true);
      const position = formatPosition(step.events[0]!.position);
      // The handler keeps what the follow-up recorded: its kept state (taken as it is) has settled.
      const kept = await transactions.load(txId, { cached: true });
      assert.equal(kept.version, 2);
      assert.ok(kept.state.status === 'SUCCEEDED');
      assert.deepEqual(kept.state.positions, [position]);
      assert.deepEqual(
        (await store.readAggregate(txId, 1)).map((e) => [e.type, e.data]),
        [['TransactionSucceeded', { positions: [position] }]],
      );

      // Prepared on a state the transaction has left: the lead appends, the follow-up does not.
      const other = randomUUID();
      await transactions.handle(other, { ...request }, { created: true });
      const late = await transactions.prepare(other, { type: 'Succeed', positions: [] });
      assert.ok(late);
      await transactions.handle(other, { type: 'Fail', reason: 'elsewhere', positions: [] });
      const lead = await accounts.handle(id, { ...deposit(1n), transactionId: other }, { followedBy: late });
      assert.equal(lead.status, 'appended');
      assert.equal(late.appended, false);
      assert.deepEqual(
        (await store.readAggregate(other)).map((e) => e.type),
        ['TransactionRequested', 'TransactionFailed'],
      );
      assert.equal((await accounts.load(id)).state.balance, 6n);
    } finally {
      await store.close();
    }
  });
});
