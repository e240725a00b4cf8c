import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInProcessEventBus, createInProcessNotificationBus } from '@ledger/platform';
import type { EventBus, Lease, RecordedEvent } from '@ledger/platform';
import type { BalanceChange, LedgerEvent, TransactionView } from '@ledger/schema';
import { createSqliteReadModel } from '../adapters/sqlite/read-model.js';
import { createMemoryEventSource } from '../adapters/memory/event-source.js';
import { projectBalance } from '../domain/balance-projection.js';
import type { ReadModel } from '../ports/read-model.js';
import { createLedgerScript } from '../testing/ledger-script.js';
import type { LedgerScript } from '../testing/ledger-script.js';
import { waitFor } from '../testing/wait.js';
import { createProjectorTask } from './projector.js';

const PARTITIONS = 3;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
let files = 0;

function lease(partition: number, token = 1): Lease {
  return { name: `projector/${partition}`, owner: 'test', token, expiresAt: Date.now() + 60_000 };
}

/** At-least-once delivery the hard way: every batch is handed over twice, the second time with the one before it. */
function redeliveringBus(inner: EventBus): EventBus {
  return {
    ...inner,
    subscribe(partition, afterSequence, handler) {
      let previous: readonly RecordedEvent[] = [];
      return inner.subscribe(partition, afterSequence, async (events) => {
        await handler(events);
        await handler([...previous, ...events]);
        previous = events;
      });
    },
  };
}

/** Tells when every partition follows the bus, so a test knows its events travel over the bus. */
function watchedBus(inner: EventBus, partitions: number): { bus: EventBus; following: Promise<void> } {
  let remaining = partitions;
  let done: () => void = () => undefined;
  const following = new Promise<void>((resolve) => (done = resolve));
  return {
    following,
    bus: {
      ...inner,
      async subscribe(partition, afterSequence, handler) {
        const subscription = await inner.subscribe(partition, afterSequence, handler);
        if (--remaining === 0) done();
        return subscription;
      },
    },
  };
}

async function setup(options: { bus?: EventBus; batchSize?: number } = {}) {
  const readModel = createSqliteReadModel({ path: path.join(dir, `projector-${++files}.db`), partitions: PARTITIONS });
  const script = createLedgerScript({ partitions: PARTITIONS });
  const source = createMemoryEventSource(script.events, { partitions: PARTITIONS });
  const inProcess = createInProcessEventBus({ batchSize: 4 });
  const { bus, following } = watchedBus(options.bus ?? inProcess, PARTITIONS);
  const notifications = createInProcessNotificationBus();
  const changes: BalanceChange[] = [];
  const updates: TransactionView[] = [];
  await notifications.subscribe('ledger.notify.balance.*', (_, payload) => changes.push(payload as BalanceChange));
  await notifications.subscribe('ledger.notify.transaction.*', (_, payload) =>
    updates.push(payload as TransactionView),
  );
  const task = createProjectorTask({ bus, readModel, source, notifications, batchSize: options.batchSize ?? 3 });
  const controller = new AbortController();
  const running = [...Array(PARTITIONS).keys()].map((partition) =>
    task({ partition, lease: lease(partition), signal: controller.signal }),
  );
  await following;
  const publish = async (events: readonly LedgerEvent[]) => {
    for (let p = 0; p < PARTITIONS; p++) {
      await inProcess.publish(
        p,
        events.filter((e) => e.position.partition === p),
      );
    }
  };
  const stop = async () => {
    controller.abort();
    await Promise.all(running);
    await inProcess.close();
    await readModel.close();
  };
  return { readModel, script, source, publish, changes, updates, task, stop };
}

function story(script: LedgerScript): void {
  for (const id of ['a', 'b', 'c', 'd']) script.open(id, `owner-${id}`);
  script.deposit('a', 1_000n);
  script.deposit('b', 50n);
  script.transfer('a', 'b', 300n);
  script.transfer('b', 'c', 125n);
  script.failTransfer('d', 'a', 10n);
  script.withdraw('a', 99n);
  script.transfer('c', 'd', 25n);
}

async function caughtUp(readModel: ReadModel, script: LedgerScript): Promise<boolean> {
  const checkpoints = await readModel.checkpoints();
  return script.heads().every((head, p) => checkpoints[p] === head);
}

/** Every document the read model should hold after all of `events`. */
async function assertMatchesProjection(readModel: ReadModel, events: readonly LedgerEvent[]): Promise<void> {
  const expected = projectBalance({ accounts: new Map(), transactions: new Map() }, events);
  for (const account of expected.accounts) assert.deepEqual(await readModel.getAccount(account.id), account);
  for (const transaction of expected.transactions) {
    assert.deepEqual(await readModel.getTransaction(transaction.id), transaction);
  }
}

function balancesByAccount(changes: readonly BalanceChange[]): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const change of changes) (result[change.accountId] ??= []).push(change.balance);
  return result;
}

function expectedBalances(events: readonly LedgerEvent[]): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const event of events) {
    if (event.type === 'MoneyDeposited' || event.type === 'MoneyWithdrawn') {
      (result[event.aggregateId] ??= []).push(event.data.balance);
    }
  }
  return result;
}

describe('projector task', () => {
  test('applies the bus events to the read model and notifies in order per account', async () => {
    const { readModel, script, publish, changes, updates, stop } = await setup();
    try {
      story(script);
      await publish(script.events);
      await waitFor('the projection to reach the heads', () => caughtUp(readModel, script));

      await assertMatchesProjection(readModel, script.events);
      assert.equal((await readModel.getAccount('a'))?.balance, String(script.balance('a')));
      assert.deepEqual(balancesByAccount(changes), expectedBalances(script.events));
      const statuses = updates.map((t) => `${t.id}:${t.status}`);
      assert.deepEqual(
        statuses.filter((s) => s.startsWith('tx-3:')),
        ['tx-3:PENDING', 'tx-3:SUCCEEDED'],
      );
      assert.deepEqual(
        statuses.filter((s) => s.startsWith('tx-5:')),
        ['tx-5:PENDING', 'tx-5:FAILED'],
      );
      assert.equal(statuses.length, 14, 'one update per transaction event');
    } finally {
      await stop();
    }
  });

  test('a redelivered batch is a no-op: no document moves and no notification repeats', async () => {
    const inner = createInProcessEventBus({ batchSize: 4 });
    const { readModel, script, changes, stop } = await setup({ bus: redeliveringBus(inner) });
    try {
      story(script);
      for (let p = 0; p < PARTITIONS; p++)
        await inner.publish(
          p,
          script.events.filter((e) => e.position.partition === p),
        );
      await waitFor('the projection to reach the heads', () => caughtUp(readModel, script));
      await new Promise((resolve) => setTimeout(resolve, 50)); // let the last redeliveries land

      await assertMatchesProjection(readModel, script.events);
      assert.deepEqual(balancesByAccount(changes), expectedBalances(script.events));
    } finally {
      await inner.close();
      await stop();
    }
  });

  test('events the bus lost are read from the store, in order', async () => {
    const { readModel, script, publish, changes, stop } = await setup();
    try {
      story(script);
      // The bus lost the first events of every partition and one in the middle of partition 0.
      const p0 = script.events.filter((e) => e.position.partition === 0);
      const hole = p0[Math.floor(p0.length / 2)]!.eventId;
      await publish(script.events.filter((e) => e.position.sequence > 2 && e.eventId !== hole));

      await waitFor('the projection to reach the heads', () => caughtUp(readModel, script));
      await assertMatchesProjection(readModel, script.events);
      assert.deepEqual(balancesByAccount(changes), expectedBalances(script.events));
    } finally {
      await stop();
    }
  });

  test('on start it catches up from the store without waiting for the bus', async () => {
    const readModel = createSqliteReadModel({ path: path.join(dir, `projector-${++files}.db`), partitions: 1 });
    const script = createLedgerScript({ partitions: 1 });
    story(script);
    const bus = createInProcessEventBus();
    const notifications = createInProcessNotificationBus();
    const source = createMemoryEventSource(script.events, { partitions: 1 });
    const controller = new AbortController();
    const running = createProjectorTask({ bus, readModel, source, notifications })({
      partition: 0,
      lease: lease(0),
      signal: controller.signal,
    });
    try {
      await waitFor('the catch-up', () => caughtUp(readModel, script));
      await assertMatchesProjection(readModel, script.events);
      script.deposit('a', 1n);
      await bus.publish(0, script.events.slice(-3));
      await waitFor('the next bus event', () => caughtUp(readModel, script));
      assert.equal((await readModel.getAccount('a'))?.balance, String(script.balance('a')));
    } finally {
      controller.abort();
      await running;
      await bus.close();
      await readModel.close();
    }
  });

  test('a stale worker (older lease) cannot move documents or the checkpoint back', async () => {
    const { readModel, script, publish, task, stop } = await setup();
    // A second worker for every partition under an older lease, running at the same time.
    const stale = new AbortController();
    const staleRuns = [...Array(PARTITIONS).keys()].map((partition) =>
      task({ partition, lease: lease(partition, 0), signal: stale.signal }),
    );
    try {
      script.open('a', 'alice');
      script.deposit('a', 10n);
      await publish(script.events);
      await waitFor('the first deposit', () => caughtUp(readModel, script));

      // The stale worker computed its batch from this state, then stalled before committing.
      const generation = await readModel.activeGeneration();
      const partition = script.events.at(-2)!.position.partition;
      const before = await readModel.load(generation, ['a'], []);
      const staleAccount = { ...before.accounts.get('a')!, balance: '999', position: `${partition}:1` };

      script.deposit('a', 5n);
      script.withdraw('a', 3n);
      await publish(script.events.slice(-6));
      await waitFor('the newer events', () => caughtUp(readModel, script));
      const checkpoint = (await readModel.checkpoints())[partition]!;

      await readModel.commit(
        generation,
        { partition, accounts: [staleAccount], transactions: [], checkpoint: 1 },
        { requireActive: true },
      );

      assert.equal((await readModel.getAccount('a'))?.balance, '12');
      assert.equal((await readModel.checkpoints())[partition], checkpoint);
      await assertMatchesProjection(readModel, script.events);
    } finally {
      stale.abort();
      await Promise.all(staleRuns);
      await stop();
    }
  });
});
