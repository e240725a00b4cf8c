import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInProcessNotificationBus, partitionOf, silentLogger } from '@ledger/platform';
import type { NotificationBus } from '@ledger/platform';
import { createNatsNotificationBus } from '@ledger/platform/nats';
import { engineUrl } from '@ledger/platform/testing';
import { createSqliteEventStore } from '../adapters/sqlite/event-store.js';
import type { EventStore } from '../ports/event-store.js';
import type { AccountCommand, AccountState } from '../domain/account.js';
import type { TransactionCommand, TransactionState } from '../domain/transaction.js';
import { accountAggregate, transactionAggregate } from './aggregates.js';
import { shareAppendSignals } from './append-signals.js';
import type { SharedAppendSignals } from './append-signals.js';
import { createCommandHandler } from './command-handler.js';
import type { CommandHandler } from './command-handler.js';
import { createStateCaches } from './state-cache.js';
import { accountOpening } from '../testing/appends.js';

const PARTITIONS = 4;
const logger = silentLogger();
const natsUrl = engineUrl('nats');

/** Two write services' buses: one in-process bus for both, or two NATS connections under one fresh prefix. */
const busesFor: Record<string, () => [NotificationBus, NotificationBus]> = {
  'in-process': () => {
    const bus = createInProcessNotificationBus();
    return [bus, bus];
  },
  ...(natsUrl && {
    nats: () => {
      const subjectPrefix = `t${randomUUID().slice(0, 8)}`;
      return [
        createNatsNotificationBus({ servers: natsUrl, subjectPrefix }),
        createNatsNotificationBus({ servers: natsUrl, subjectPrefix }),
      ];
    },
  }),
};

/** Waits until `done` holds, at most 5 s. */
async function eventually(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
}

for (const [name, makeBuses] of Object.entries(busesFor)) {
  describe(`append signals between write services sharing a store (${name} notifications)`, () => {
    let dir: string;
    let buses: [NotificationBus, NotificationBus];
    let stores: EventStore[];
    let shared: SharedAppendSignals[];

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'ledger-'));
      buses = makeBuses();
      // Two handles on one file: each store's own onAppend hears only the appends made through it.
      stores = [0, 1].map(() => createSqliteEventStore({ path: join(dir, 'events.db'), partitions: PARTITIONS }));
      shared = await Promise.all(
        stores.map((store, i) => shareAppendSignals({ store, notifications: buses[i]!, logger })),
      );
    });
    after(async () => {
      await Promise.all(shared.map((signals) => signals.stop()));
      await Promise.all(stores.map((store) => store.close()));
      await Promise.all([...new Set(buses)].map((bus) => bus.close()));
      rmSync(dir, { recursive: true, force: true });
    });

    test("an append through one wakes the other's workers for its partition, and its own once", async () => {
      const [mine, theirs] = shared.map((signals) => signals.store) as [EventStore, EventStore];
      const heardHere: number[] = [];
      const heardThere: number[] = [];
      const stops = [mine.onAppend((p) => heardHere.push(p)), theirs.onAppend((p) => heardThere.push(p))];
      const accountId = randomUUID();
      const partition = partitionOf(accountId, PARTITIONS);
      await mine.append(accountOpening(accountId));
      await eventually(() => heardThere.length > 0);
      assert.deepEqual(heardThere, [partition], 'the other process hears the partition');
      // Its own notice comes back on the bus too (NATS echoes); it must not wake this one again.
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.deepEqual(heardHere, [partition], 'the appending process hears it once, locally');

      for (const stop of stops) stop();
      await theirs.append(accountOpening(randomUUID()));
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.deepEqual(heardHere, [partition], 'an unsubscribed listener hears nothing more');
    });

    test('the partitions of one turn go in one notice; malformed notices wake nobody', async () => {
      const [mine] = shared.map((signals) => signals.store) as [EventStore, EventStore];
      const notices: unknown[] = [];
      const watching = await buses[1].subscribe('ledger.notify.appended', (_s, payload) => notices.push(payload));
      const heard: number[] = [];
      const stop = shared[1]!.store.onAppend((p) => heard.push(p));
      const ids = Array.from({ length: 12 }, () => randomUUID());
      await Promise.all(ids.map((id) => mine.append(accountOpening(id))));
      const partitions = [...new Set(ids.map((id) => partitionOf(id, PARTITIONS)))].sort();
      await eventually(() => heard.length >= partitions.length);
      assert.deepEqual([...heard].sort(), partitions);
      assert.equal(notices.length, 1, 'one notice for the turn');

      heard.length = 0;
      for (const bad of [{ origin: 'x', partitions: [PARTITIONS, -1, 1.5, 'a'] }, { origin: 'x' }, 'text', null]) {
        await buses[0].publish('ledger.notify.appended', bad);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.deepEqual(heard, []);
      stop();
      await watching.stop();
    });
  });
}

test("other processes' notices wake a partition's workers at most once per interval, the later ones at its end", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-'));
  const bus = createInProcessNotificationBus();
  const store = createSqliteEventStore({ path: join(dir, 'events.db'), partitions: PARTITIONS });
  const signals = await shareAppendSignals({ store, notifications: bus, logger, wakeEveryMs: 300 });
  const wakes: Array<{ partition: number; at: number }> = [];
  const started = performance.now();
  const stop = signals.store.onAppend((partition) => wakes.push({ partition, at: performance.now() - started }));
  for (const partitions of [[1], [1, 2], [1]]) {
    await bus.publish('ledger.notify.appended', { origin: 'another process', partitions });
  }
  // Partition 1: once at once, and the two later notices once together, 300 ms after; partition 2 at once.
  await eventually(() => wakes.length >= 3);
  await new Promise((resolve) => setTimeout(resolve, 400));
  assert.deepEqual(
    wakes.map((wake) => wake.partition),
    [1, 2, 1],
  );
  assert.ok(wakes[1]!.at < 150, `partition 2 woke at ${wakes[1]!.at} ms`);
  assert.ok(wakes[2]!.at >= 290, `the second wake of partition 1 came at ${wakes[2]!.at} ms`);
  stop();
  await signals.stop();
  await store.close();
  await bus.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Two write services on one store file and one notification bus, each with its state caches; with
 * `marking`, each one's signals mark what the other's caches kept. The first service opens an account
 * (and keeps it), the second deposits 5 into it, then the first deposits 7: answers how often a
 * command was refused by the version check and decided again, and the balance the first one ends with.
 */
async function refusalsAfterAnotherProcess(marking: boolean): Promise<{ refused: number; balance: bigint }> {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-'));
  const bus = createInProcessNotificationBus();
  const stores = [0, 1].map(() => createSqliteEventStore({ path: join(dir, 'events.db'), partitions: PARTITIONS }));
  const caches = [createStateCaches(100), createStateCaches(100)] as const;
  const signals = await Promise.all(
    stores.map((store, i) =>
      shareAppendSignals({ store, notifications: bus, logger, ...(marking && { caches: caches[i] }) }),
    ),
  );
  let refused = 0;
  const metrics = { concurrencyRetried: () => void refused++, idempotentReplayed: () => undefined };
  const here = createCommandHandler(accountAggregate, { store: signals[0]!.store, caches: caches[0], metrics });
  const there = createCommandHandler(accountAggregate, { store: signals[1]!.store, caches: caches[1], metrics });
  const id = randomUUID();
  const deposit = (amount: bigint) =>
    ({ type: 'Deposit', amount, transactionId: randomUUID(), kind: 'DEPOSIT', counterparty: null }) as const;
  try {
    await here.handle(id, { type: 'Open', owner: 'ann' }, { created: true });
    // Names that are not [type, id, version] mark nothing.
    const malformed = [['Account'], 'text', [7, id, 2], ['Account', id, 1.5], ['Account', id, '2'], null];
    await bus.publish('ledger.notify.appended', { origin: 'x', partitions: [], aggregates: malformed });
    assert.equal(caches[0].of('Account').isBehind(id), false);
    await there.handle(id, deposit(5n));
    // The notice of that deposit has reached this process (its workers were woken for the partition).
    await eventually(() => !marking || caches[0].of('Account').isBehind(id));
    if (!marking) await new Promise((resolve) => setTimeout(resolve, 50));
    const result = await here.handle(id, deposit(7n));
    assert.equal(result.status, 'appended');
    return { refused, balance: (result as { state: { balance: bigint } }).state.balance };
  } finally {
    await Promise.all(signals.map((shared) => shared.stop()));
    await Promise.all(stores.map((store) => store.close()));
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a command on an aggregate another process changed reads forward first instead of being refused', async () => {
  assert.deepEqual(await refusalsAfterAnotherProcess(true), { refused: 0, balance: 12n });
  // Without the marks the first process decides on the state it kept, and the version check refuses it.
  assert.deepEqual(await refusalsAfterAnotherProcess(false), { refused: 1, balance: 12n });
});

test("a follow-up's aggregate is announced with its lead's: the other process's cache is marked behind", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-'));
  const bus = createInProcessNotificationBus();
  const stores = [0, 1].map(() => createSqliteEventStore({ path: join(dir, 'events.db'), partitions: PARTITIONS }));
  const caches = [createStateCaches(100), createStateCaches(100)] as const;
  const signals = await Promise.all(
    stores.map((store, i) => shareAppendSignals({ store, notifications: bus, logger, caches: caches[i] })),
  );
  const [here, there] = signals.map((shared, i) => ({
    accounts: createCommandHandler(accountAggregate, { store: shared.store, caches: caches[i] }),
    transactions: createCommandHandler(transactionAggregate, { store: shared.store, caches: caches[i] }),
  })) as [Handlers, Handlers];
  try {
    const accountId = randomUUID();
    const transactionId = randomUUID();
    await there.accounts.handle(accountId, { type: 'Open', owner: 'ann' }, { created: true });
    const request = { type: 'Request', kind: 'DEPOSIT', from: null, to: accountId, amount: 5n } as const;
    await here.transactions.handle(transactionId, request, { created: true });
    const settlement = await there.transactions.prepare(transactionId, { type: 'Succeed', positions: [] });
    assert.ok(settlement);
    const deposit = { type: 'Deposit', amount: 5n, transactionId, kind: 'DEPOSIT', counterparty: null } as const;
    await there.accounts.handle(accountId, deposit, { followedBy: settlement });
    assert.equal(settlement.appended, true);
    await eventually(() => caches[0].of(transactionAggregate.type).isBehind(transactionId));
    assert.equal(caches[0].of(transactionAggregate.type).isBehind(transactionId), true);
    assert.equal((await here.transactions.load(transactionId, { cached: true })).state.status, 'SUCCEEDED');
  } finally {
    await Promise.all(signals.map((shared) => shared.stop()));
    await Promise.all(stores.map((store) => store.close()));
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

interface Handlers {
  readonly accounts: CommandHandler<AccountCommand, AccountState>;
  readonly transactions: CommandHandler<TransactionCommand, TransactionState>;
}
