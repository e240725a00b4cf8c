import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { partitionOf, sleep } from '@ledger/platform';
import type { PartitionTask, RecordedEvent } from '@ledger/platform';
import { createSqliteEventStore } from '../adapters/sqlite/event-store.js';
import type { EventStore } from '../ports/event-store.js';
import { createPartitionWorker } from './partition-worker.js';
import type { PartitionBatch, PartitionWorkerOptions } from './partition-worker.js';
import { accountOpening } from '../testing/appends.js';

const PARTITIONS = 4;
const WORKER = 'test-worker';

function openStore(): { store: EventStore; cleanup(): Promise<void> } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-worker-'));
  const store = createSqliteEventStore({
    path: path.join(dir, 'events.db'),
    partitions: PARTITIONS,
    synchronous: 'NORMAL',
  });
  return {
    store,
    async cleanup() {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An account id of each partition. */
function idsByPartition(): string[] {
  const ids: string[] = [];
  while (ids.filter(Boolean).length < PARTITIONS) {
    const id = randomUUID();
    ids[partitionOf(id, PARTITIONS)] ??= id;
  }
  return ids;
}

/** Opens the account `id` (a new aggregate each time: `id` must be fresh). */
const open = (store: EventStore, id: string) => store.append(accountOpening(id));

/** A fresh id in `partition`. */
function idIn(partition: number): string {
  for (;;) {
    const id = randomUUID();
    if (partitionOf(id, PARTITIONS) === partition) return id;
  }
}

/** A batch processed to its last event. */
const through = (events: readonly RecordedEvent[]): Promise<number> =>
  Promise.resolve(events.at(-1)!.position.sequence);
const failed = (reason: Error): Promise<number> => Promise.reject(reason);

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** Runs `task` for each partition under a lease of token `token`, each with its own abort controller. */
function runAll(task: PartitionTask, token = 1) {
  return Array.from({ length: PARTITIONS }, (_, partition) => {
    const controller = new AbortController();
    const lease = { name: `${WORKER}/${partition}`, owner: 'test', token, expiresAt: Date.now() + 60_000 };
    const done = task({ partition, lease, signal: controller.signal });
    // Observed by the tests that expect it to fail; never an unhandled rejection.
    done.catch(() => undefined);
    return { controller, done };
  });
}

/** The worker under test, with a poll too slow to matter: the appends wake it. */
const workerOf = (store: EventStore, options: Pick<PartitionWorkerOptions, 'process'>): PartitionTask =>
  createPartitionWorker({ store, worker: WORKER, batchSize: 100, pollMs: 10_000, ...options });

/** Ends every task, then closes the store. */
async function stopAll(running: ReturnType<typeof runAll>, cleanup: () => Promise<void>): Promise<void> {
  for (const { controller } of running) controller.abort();
  await Promise.allSettled(running.map((r) => r.done));
  await cleanup();
}

describe('partition worker', () => {
  test("one round takes the batches of every partition a commit touched, and each partition's checkpoint", async () => {
    const { store, cleanup } = openStore();
    const rounds: Array<Array<{ partition: number; after: number; sequences: number[] }>> = [];
    const task = workerOf(store, {
      process(batches: readonly PartitionBatch[]) {
        rounds.push(
          batches.map(({ partition, after, events }) => ({
            partition,
            after,
            sequences: events.map((e) => e.position.sequence),
          })),
        );
        return batches.map(({ events }) => through(events));
      },
    });
    const running = runAll(task);
    try {
      await open(store, idIn(0));
      await until(async () => (await store.getCheckpoint(WORKER, 0)) === 1, 'the first checkpoint');
      // Appended in one turn, so committed together: their partitions wake one round.
      await Promise.all(idsByPartition().map((id) => open(store, id)));
      await until(async () => {
        const checkpoints = await Promise.all(
          Array.from({ length: PARTITIONS }, (_, p) => store.getCheckpoint(WORKER, p)),
        );
        const heads = await store.heads();
        return checkpoints.every((checkpoint, p) => checkpoint === heads[p]);
      }, 'every checkpoint at its head');
      const seen = rounds.flat();
      // Every event exactly once, in order per partition.
      const heads = await store.heads();
      for (let p = 0; p < PARTITIONS; p++) {
        const sequences = seen.filter((batch) => batch.partition === p).flatMap((batch) => batch.sequences);
        assert.deepEqual(
          sequences,
          Array.from({ length: heads[p]! }, (_, i) => i + 1),
          `partition ${p}`,
        );
      }
      // The four partitions' appends of one commit came in one round.
      assert.ok(
        rounds.some((round) => new Set(round.map((batch) => batch.partition)).size === PARTITIONS),
        `rounds: ${JSON.stringify(rounds)}`,
      );
    } finally {
      await stopAll(running, cleanup);
    }
  });

  test('a partition whose batch is slow holds up neither the others nor its own next batch once done', async () => {
    const { store, cleanup } = openStore();
    const batches: Array<{ partition: number; after: number }> = [];
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const task = workerOf(store, {
      process(round) {
        return round.map(async ({ partition, after, events }) => {
          batches.push({ partition, after });
          if (partition === 2 && after === 0) await slow;
          return events.at(-1)!.position.sequence;
        });
      },
    });
    const running = runAll(task);
    try {
      await open(store, idIn(2));
      await until(() => batches.some((b) => b.partition === 2), "partition 2's first batch");
      await open(store, idIn(2)); // waits for the first batch of its partition
      for (let i = 0; i < 3; i++) await open(store, idIn(0));
      await until(async () => (await store.getCheckpoint(WORKER, 0)) === 3, 'partition 0 goes on');
      assert.deepEqual(
        batches.filter((b) => b.partition === 2),
        [{ partition: 2, after: 0 }],
        'one batch of a partition at a time',
      );
      assert.equal(await store.getCheckpoint(WORKER, 2), 0);
      release();
      await until(async () => (await store.getCheckpoint(WORKER, 2)) === 2, 'partition 2 after its slow batch');
      assert.deepEqual(
        batches.filter((b) => b.partition === 2),
        [
          { partition: 2, after: 0 },
          { partition: 2, after: 1 },
        ],
      );
    } finally {
      release();
      await stopAll(running, cleanup);
    }
  });

  test('a partition fenced off by a newer lease stops alone; the others go on', async () => {
    const { store, cleanup } = openStore();
    const processed = new Map<number, number>();
    const task = workerOf(store, {
      process(batches) {
        for (const { partition, events } of batches) processed.set(partition, events.at(-1)!.position.sequence);
        return batches.map(({ events }) => through(events));
      },
    });
    const running = runAll(task, 1);
    try {
      await Promise.all(idsByPartition().map((id) => open(store, id)));
      await until(() => processed.size === PARTITIONS, 'a batch of each partition');
      // Another owner of partition 1, with a newer token, moves its checkpoint.
      assert.equal(await store.setCheckpoint(WORKER, 1, 1, 2), true);
      await open(store, idIn(1));
      await running[1]!.done; // ends once its checkpoint is refused
      const before = processed.get(1);
      await open(store, idIn(1));
      await open(store, idIn(0));
      await until(() => processed.get(0) === 2, 'partition 0 goes on');
      // Its checkpoint is written after its batch is processed: on a loaded machine, a moment later.
      await until(async () => (await store.getCheckpoint(WORKER, 0)) === 2, "partition 0's checkpoint");
      assert.equal(processed.get(1), before, 'partition 1 is not processed after its task ended');
    } finally {
      await stopAll(running, cleanup);
    }
  });

  test("a batch that fails fails its partition's task only, and its checkpoint stays", async () => {
    const { store, cleanup } = openStore();
    const processed = new Set<number>();
    const task = workerOf(store, {
      process(batches) {
        return batches.map(({ partition, events }) => {
          if (partition === 2) return failed(new Error('partition 2 broke'));
          processed.add(partition);
          return through(events);
        });
      },
    });
    const running = runAll(task);
    try {
      await Promise.all(idsByPartition().map((id) => open(store, id)));
      await assert.rejects(running[2]!.done, /partition 2 broke/);
      await until(() => processed.size === PARTITIONS - 1, 'the other partitions');
      assert.equal(await store.getCheckpoint(WORKER, 2), 0);
      await open(store, idIn(3));
      await until(async () => (await store.getCheckpoint(WORKER, 3)) === 2, 'partition 3 goes on');
    } finally {
      await stopAll(running, cleanup);
    }
  });

  test('a task whose lease ends returns after its checkpoint is written; a new one resumes from it', async () => {
    const { store, cleanup } = openStore();
    const batches: Array<{ partition: number; after: number }> = [];
    const task = workerOf(store, {
      process(round) {
        batches.push(...round.map(({ partition, after }) => ({ partition, after })));
        return round.map(({ events }) => through(events));
      },
    });
    const running = runAll(task);
    try {
      await open(store, idIn(0));
      await until(() => batches.some((b) => b.partition === 0), 'the first batch');
      running[0]!.controller.abort();
      await running[0]!.done;
      assert.equal(await store.getCheckpoint(WORKER, 0), 1, 'written before the task returned');
      await open(store, idIn(0));
      await open(store, idIn(3));
      await until(() => batches.some((b) => b.partition === 3), 'partition 3 goes on');
      assert.equal(batches.filter((b) => b.partition === 0).length, 1, 'no batch for a partition without its lease');
      const again = new AbortController();
      const lease = { name: `${WORKER}/0`, owner: 'test', token: 2, expiresAt: Date.now() + 60_000 };
      const resumed = task({ partition: 0, lease, signal: again.signal });
      await until(() => batches.filter((b) => b.partition === 0).length === 2, 'the resumed partition');
      assert.deepEqual(batches.filter((b) => b.partition === 0).at(-1), { partition: 0, after: 1 });
      again.abort();
      await resumed;
    } finally {
      await stopAll(running, cleanup);
    }
  });
});
