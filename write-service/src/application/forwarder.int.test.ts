import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sleep } from '@ledger/platform';
import type { RecordedEvent } from '@ledger/platform';
import { createLedgerHarness } from '../testing/ledger-harness.js';
import type { LedgerHarness } from '../testing/ledger-harness.js';
import { createForwarderTask, FORWARDER_WORKER } from './forwarder.js';

/** Everything the bus delivers, per partition, from the start. */
async function collect(ledger: LedgerHarness) {
  const received = new Map<number, RecordedEvent[]>();
  const subscriptions = await Promise.all(
    Array.from({ length: ledger.store.partitions }, (_, p) =>
      ledger.bus.subscribe(p, 0, async (events) => {
        received.set(p, [...(received.get(p) ?? []), ...events]);
      }),
    ),
  );
  return {
    received,
    async until(heads: number[]) {
      const deadline = Date.now() + 10_000;
      while (heads.some((head, p) => (received.get(p)?.at(-1)?.position.sequence ?? 0) < head)) {
        if (Date.now() > deadline) throw new Error('the forwarder did not catch up');
        await sleep(10);
      }
    },
    stop: () => Promise.all(subscriptions.map((s) => s.stop())),
  };
}

/** Runs the forwarder of partition 0 under a lease of its own until `signal` aborts. */
function forward(ledger: LedgerHarness, pollMs: number, signal: AbortSignal): Promise<void> {
  const task = createForwarderTask({ store: ledger.store, bus: ledger.bus, pollMs });
  const lease = { name: 'forwarder/0', owner: 'test', token: 1, expiresAt: Date.now() + 60_000 };
  return task({ partition: 0, lease, signal });
}

describe('forwarder', () => {
  test('publishes every committed event once per partition, in order, across a restart', async () => {
    const ledger = await createLedgerHarness();
    const published: number[] = [];
    const publish = ledger.bus.publish.bind(ledger.bus);
    // Count what reaches the bus: the in-process bus itself drops republished events.
    ledger.bus.publish = async (partition, events) => {
      published.push(...events.map(() => partition));
      return publish(partition, events);
    };
    const bus = await collect(ledger);
    try {
      const a = await ledger.funded('A', 100n);
      const b = await ledger.funded('B', 100n);
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          ledger.commands.transfer({ from: i % 2 ? a : b, to: i % 2 ? b : a, amount: 3n }),
        ),
      );
      await ledger.stopWorkers();
      await ledger.commands.deposit({ accountId: a, amount: 1n });
      await ledger.startWorkers();
      await ledger.commands.deposit({ accountId: b, amount: 1n });

      // Wait until the saga settles everything, then the forwarder delivers it.
      let heads = await ledger.store.heads();
      for (;;) {
        await sleep(100);
        const now = await ledger.store.heads();
        if (now.every((h, p) => h === heads[p])) break;
        heads = now;
      }
      await bus.until(heads);
      for (let p = 0; p < ledger.store.partitions; p++) {
        const stored = await ledger.store.readPartition(p, 0, 10_000);
        assert.deepEqual(bus.received.get(p) ?? [], stored, `partition ${p}`);
        assert.equal(published.filter((x) => x === p).length, stored.length, `partition ${p} published once`);
        assert.equal(await ledger.store.getCheckpoint(FORWARDER_WORKER, p), heads[p]);
      }
    } finally {
      await bus.stop();
      await ledger.close();
    }
  });

  test('a forwarder whose lease was superseded stops after its first fenced checkpoint', async () => {
    const ledger = await createLedgerHarness({ partitions: 1, workers: false });
    try {
      await ledger.commands.openAccount({ owner: 'A' });
      assert.equal(await ledger.store.setCheckpoint(FORWARDER_WORKER, 0, 0, 7), true);
      const task = createForwarderTask({ store: ledger.store, bus: ledger.bus, pollMs: 10 });
      const controller = new AbortController();
      const lease = { name: 'forwarder/0', owner: 'old', token: 6, expiresAt: Date.now() + 60_000 };
      const timeout = setTimeout(() => controller.abort(), 5_000);
      await task({ partition: 0, lease, signal: controller.signal });
      clearTimeout(timeout);
      assert.equal(controller.signal.aborted, false, 'the task returned by itself');
      assert.equal(await ledger.store.getCheckpoint(FORWARDER_WORKER, 0), 0);
    } finally {
      await ledger.close();
    }
  });

  test('an append made while a batch is being published is forwarded without waiting for the poll', async () => {
    const ledger = await createLedgerHarness({ partitions: 1, workers: false });
    const bus = await collect(ledger);
    const publish = ledger.bus.publish.bind(ledger.bus);
    let appendedDuringPublish = false;
    ledger.bus.publish = async (partition, events) => {
      if (!appendedDuringPublish) {
        appendedDuringPublish = true;
        await ledger.commands.openAccount({ owner: 'B' });
      }
      return publish(partition, events);
    };
    const controller = new AbortController();
    try {
      await ledger.commands.openAccount({ owner: 'A' });
      // Polling alone would take a minute: only the append's wake-up can bring the second event in time.
      const running = forward(ledger, 60_000, controller.signal);
      await bus.until([2]);
      controller.abort();
      await running;
      assert.deepEqual(
        bus.received.get(0)?.map((e) => e.position.sequence),
        [1, 2],
      );
    } finally {
      controller.abort();
      await bus.stop();
      await ledger.close();
    }
  });

  test('the next batch is forwarded while the checkpoint of the one before is still being written', async () => {
    const ledger = await createLedgerHarness({ partitions: 1, workers: false });
    const bus = await collect(ledger);
    const setCheckpoint = ledger.store.setCheckpoint.bind(ledger.store);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const written: number[] = [];
    ledger.store.setCheckpoint = async (worker, partition, sequence, token) => {
      await gate; // a commit that takes its time
      written.push(sequence);
      return setCheckpoint(worker, partition, sequence, token);
    };
    const controller = new AbortController();
    try {
      await ledger.commands.openAccount({ owner: 'A' });
      const running = forward(ledger, 60_000, controller.signal);
      await bus.until([1]);
      await ledger.commands.openAccount({ owner: 'B' });
      await bus.until([2]);
      assert.deepEqual(written, [], 'both batches went out before the first checkpoint was written');
      open();
      controller.abort();
      await running;
      assert.deepEqual(written, [1, 2], 'checkpoints are written in order');
      assert.equal(await ledger.store.getCheckpoint(FORWARDER_WORKER, 0), 2);
    } finally {
      open();
      controller.abort();
      await bus.stop();
      await ledger.close();
    }
  });

  test('a restarted forwarder resumes after what the bus already holds, not only after its checkpoint', async () => {
    const ledger = await createLedgerHarness({ partitions: 1, workers: false });
    const published: number[] = [];
    const publish = ledger.bus.publish.bind(ledger.bus);
    ledger.bus.publish = async (partition, events) => {
      published.push(...events.map((event) => event.position.sequence));
      return publish(partition, events);
    };
    const controller = new AbortController();
    try {
      for (const owner of ['A', 'B', 'C', 'D']) await ledger.commands.openAccount({ owner });
      // A previous run published 1..3 but crashed before its checkpoint was written.
      await publish(0, await ledger.store.readPartition(0, 0, 3));
      const running = forward(ledger, 10, controller.signal);
      const deadline = Date.now() + 5_000;
      while ((await ledger.store.getCheckpoint(FORWARDER_WORKER, 0)) < 4 && Date.now() < deadline) await sleep(10);
      controller.abort();
      await running;
      assert.deepEqual(published, [4]);
      assert.equal(await ledger.bus.lastSequence(0), 4);
    } finally {
      controller.abort();
      await ledger.close();
    }
  });
});
