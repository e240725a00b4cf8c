import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInProcessEventBus, createInProcessNotificationBus } from '@ledger/platform';
import type { EventBus, RecordedEvent } from '@ledger/platform';
import type { BalanceNotice, LedgerEvent } from '@ledger/schema';
import type { ReadModel } from '../ports/read-model.js';
import { createSqliteReadModel } from '../adapters/sqlite/read-model.js';
import { createMemoryEventSource } from '../adapters/memory/event-source.js';
import { createLedgerScript } from '../testing/ledger-script.js';
import { assertMatchesProjection, caughtUp, lease, startLiveProjection, story } from '../testing/live-projection.js';
import { waitFor } from '../testing/wait.js';
import { applyEvents } from './apply-events.js';
import { createProjectorTask } from './projector.js';

const PARTITIONS = 3;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
let files = 0;

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

function setup(options: { bus?: (inProcess: EventBus) => EventBus } = {}) {
  return startLiveProjection({ path: path.join(dir, `projector-${++files}.db`), partitions: PARTITIONS, ...options });
}

/** One partition's projector over `readModel`, its store the script's events, and the bus it follows. */
function startOnePartition(readModel: ReadModel, script: ReturnType<typeof createLedgerScript>) {
  const bus = createInProcessEventBus();
  const notifications = createInProcessNotificationBus();
  const source = createMemoryEventSource(script.events, { partitions: 1 });
  const controller = new AbortController();
  const running = createProjectorTask({ bus, readModel, source, notifications })({
    partition: 0,
    lease: lease(0),
    signal: controller.signal,
  });
  return {
    bus,
    async stop() {
      controller.abort();
      await running;
      await bus.close();
    },
  };
}

function balancesByAccount(changes: readonly BalanceNotice[]): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const change of changes) (result[change.accountId] ??= []).push(change.balanceAfter);
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
    const { readModel, script, publish, changes, updates, checkpoints, stop } = await setup();
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
      for (const [partition, head] of script.heads().entries()) {
        const advanced = checkpoints.filter((c) => c.partition === partition).map((c) => c.sequence);
        assert.equal(advanced.at(-1), head);
        assert.deepEqual(
          advanced,
          [...advanced].sort((x, y) => x - y),
          'checkpoints only move forward',
        );
      }
    } finally {
      await stop();
    }
  });

  test('a redelivered batch is a no-op: no document moves and no notification repeats', async () => {
    const { readModel, script, publish, changes, stop } = await setup({ bus: redeliveringBus });
    try {
      story(script);
      await publish(script.events);
      await waitFor('the projection to reach the heads', () => caughtUp(readModel, script));
      await new Promise((resolve) => setTimeout(resolve, 50)); // let the last redeliveries land

      await assertMatchesProjection(readModel, script.events);
      assert.deepEqual(balancesByAccount(changes), expectedBalances(script.events));
    } finally {
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
    const { bus, stop } = startOnePartition(readModel, script);
    try {
      await waitFor('the catch-up', () => caughtUp(readModel, script));
      await assertMatchesProjection(readModel, script.events);
      script.deposit('a', 1n);
      await bus.publish(0, script.events.slice(-3));
      await waitFor('the next bus event', () => caughtUp(readModel, script));
      assert.equal((await readModel.getAccount('a'))?.balance, String(script.balance('a')));
    } finally {
      await stop();
      await readModel.close();
    }
  });

  test('reads the generation and its checkpoint once, not per batch, and again after a swap between batches', async () => {
    const readModel = createSqliteReadModel({ path: path.join(dir, `projector-${++files}.db`), partitions: 1 });
    const reads = { generation: 0, checkpoints: 0 };
    const counted: ReadModel = {
      ...readModel,
      activeGeneration: () => (reads.generation++, readModel.activeGeneration()),
      checkpoints: (generation) => (reads.checkpoints++, readModel.checkpoints(generation)),
    };
    const script = createLedgerScript({ partitions: 1 });
    story(script);
    const { bus, stop } = startOnePartition(counted, script);
    try {
      await waitFor('the catch-up', () => caughtUp(readModel, script));
      const deposits = async (count: number) => {
        for (let i = 0; i < count; i++) {
          script.deposit('a', 1n);
          await bus.publish(0, script.events.slice(-3));
          await waitFor('the deposit', () => caughtUp(readModel, script));
        }
      };
      await deposits(1);
      const before = { ...reads };
      await deposits(10);
      assert.deepEqual(reads, before, 'ten batches, no read of the generation or the checkpoint');

      // A rebuild's swap between two batches: the next commit into the old generation is refused, and the
      // projector reads where it stands and applies the batch to the generation swapped in.
      const candidate = await readModel.createGeneration();
      await applyEvents(readModel, candidate, 0, [...script.events], { requireActive: false });
      assert.equal(await readModel.beginSwap(candidate, 60_000), true);
      assert.equal(await readModel.swap(candidate), true);
      await deposits(2);
      assert.equal(await readModel.activeGeneration(), candidate);
      assert.ok(reads.generation > before.generation, 'the generation was read again after the swap');
      await assertMatchesProjection(readModel, script.events);
      assert.equal((await readModel.getAccount('a'))?.balance, String(script.balance('a')));
    } finally {
      await stop();
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

  test('while a swap lock is held it waits, without losing or repeating anything, then goes on', async () => {
    const { readModel, script, publish, changes, stop } = await setup();
    try {
      story(script);
      await publish(script.events);
      await waitFor('the projection to reach the heads', () => caughtUp(readModel, script));
      const candidate = await readModel.createGeneration();
      assert.equal(await readModel.beginSwap(candidate, 60_000), true);

      script.deposit('a', 7n);
      script.transfer('b', 'c', 5n);
      await publish(script.events.slice(-7));
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(await caughtUp(readModel, script), false, 'nothing is committed while the lock is held');

      await readModel.endSwap(candidate);
      await waitFor('the projection once the lock is released', () => caughtUp(readModel, script));
      await assertMatchesProjection(readModel, script.events);
      assert.deepEqual(balancesByAccount(changes), expectedBalances(script.events));
      await readModel.dropGeneration(candidate);
    } finally {
      await stop();
    }
  });

  test('a batch held by a swap lock is applied to the generation swapped in', async () => {
    const { readModel, script, publish, stop } = await setup();
    try {
      story(script);
      await publish(script.events);
      await waitFor('the projection to reach the heads', () => caughtUp(readModel, script));
      const candidate = await readModel.createGeneration();
      assert.equal(await readModel.beginSwap(candidate, 60_000), true);
      script.deposit('d', 40n);
      await publish(script.events.slice(-3));

      // What a rebuild does under the lock: bring the candidate up to the frozen checkpoints, swap.
      const frozen = await readModel.checkpoints();
      for (let partition = 0; partition < PARTITIONS; partition++) {
        const events = script.events.filter(
          (e) => e.position.partition === partition && e.position.sequence <= frozen[partition]!,
        );
        await applyEvents(readModel, candidate, partition, events, { requireActive: false });
      }
      assert.equal(await readModel.swap(candidate), true);

      await waitFor('the held batch in the new generation', () => caughtUp(readModel, script));
      assert.equal(await readModel.activeGeneration(), candidate);
      await assertMatchesProjection(readModel, script.events);
    } finally {
      await stop();
    }
  });

  test('a task waiting on a swap lock stops at once when its lease ends', async () => {
    const { readModel, script, publish, stop } = await setup();
    story(script);
    await publish(script.events);
    await waitFor('the projection to reach the heads', () => caughtUp(readModel, script));
    const candidate = await readModel.createGeneration();
    assert.equal(await readModel.beginSwap(candidate, 60_000), true);
    script.deposit('a', 1n);
    await publish(script.events.slice(-3));
    await new Promise((resolve) => setTimeout(resolve, 50));

    const stopping = Date.now();
    await stop();
    assert.ok(Date.now() - stopping < 1_000, 'the wait is abortable');
  });
});
