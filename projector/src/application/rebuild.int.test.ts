import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UnavailableError } from '@ledger/platform';
import { openSqliteReadModel } from '../adapters/sqlite/read-model.js';
import type { EventSource } from '../ports/event-source.js';
import type { LedgerScript } from '../testing/ledger-script.js';
import { assertMatchesProjection, startLiveProjection, story } from '../testing/live-projection.js';
import { waitFor } from '../testing/wait.js';
import type { RebuildProgress } from './rebuild.js';
import { rebuildBalance } from './rebuild.js';
import { claimedPages, copyPages, partitionClaims } from './rebuild-lane.js';
import type { LaneRequest, RebuildLane } from './rebuild-lane.js';

const PARTITIONS = 3;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
let files = 0;
let file = '';

const start = () =>
  startLiveProjection({
    path: (file = path.join(dir, `rebuild-${++files}.db`)),
    partitions: PARTITIONS,
    batchSize: 10,
  });

/**
 * A lane as a thread runs one (cli/src/rebuild-lane.ts), here on this thread: a connection of its
 * own to the read model's file, the partitions it claims from `source`. It counts what it copied.
 */
function laneOn(source: EventSource, readModelFile: string) {
  const lane = {
    copied: 0,
    partitions: [] as number[],
    async copy(request: LaneRequest, signal: AbortSignal): Promise<number> {
      const { readModel } = openSqliteReadModel({ path: readModelFile, partitions: PARTITIONS }, { committer: true });
      const shared = partitionClaims(request.to.length, request.claims);
      const claims = {
        buffer: shared.buffer,
        next() {
          const partition = shared.next();
          if (partition !== undefined) lane.partitions.push(partition);
          return partition;
        },
      };
      try {
        const pages = claimedPages(source, request.to, claims, signal);
        lane.copied = await copyPages(readModel, request.generation, pages, request.batchSize, request.onCommitted);
        return lane.copied;
      } finally {
        await readModel.close();
      }
    },
  };
  return lane;
}

/** Enough history that the rebuild commits many batches. */
function history(script: LedgerScript, accounts: number): void {
  story(script);
  for (let i = 0; i < accounts; i++) {
    script.open(`acc-${i}`, `owner-${i % 7}`);
    script.deposit(`acc-${i}`, BigInt(1_000 + i));
    if (i > 0) script.transfer(`acc-${i}`, `acc-${i - 1}`, 7n);
  }
}

/** A live projection caught up with the history of `accounts` accounts. */
async function startWithHistory(accounts: number) {
  const live = await start();
  history(live.script, accounts);
  await live.publish(live.script.events);
  await waitFor('the live projection', live.caughtUp);
  return live;
}

/** The store as a network would serve it: every call takes a little while, so live work interleaves. */
function overTheNetwork(source: EventSource, latencyMs = 2): EventSource {
  const delay = () => new Promise((resolve) => setTimeout(resolve, latencyMs));
  return {
    async heads() {
      await delay();
      return source.heads();
    },
    async progress(checkpoints) {
      await delay();
      return source.progress(checkpoints);
    },
    async *replay(request, signal) {
      await delay();
      yield* source.replay(request, signal);
    },
    close: () => source.close(),
  };
}

describe('rebuild', () => {
  test('rebuilds while the live projector keeps applying new events, then swaps', async () => {
    // Pages of the store hold up to 100 events: a history of several pages per partition makes
    // more than 10 commits (and so progress reports) in the replay alone, whatever the live traffic.
    const live = await startWithHistory(400);
    const { readModel, script } = live;
    try {
      const old = await readModel.activeGeneration();
      const accounts = await readModel.countAccounts({});
      const recorded = script.events.length;

      // Live traffic during the whole rebuild.
      let writing = true;
      let written = 0;
      const writer = (async () => {
        while (writing) {
          const events = script.transfer(`acc-${written % 400}`, 'a', 1n);
          written++;
          await live.publish(events);
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      })();

      const phases: RebuildProgress['phase'][] = [];
      const seenDuringRebuild: number[] = [];
      const result = await rebuildBalance({
        readModel,
        source: live.source,
        batchSize: 7,
        onProgress: async (progress) => {
          phases.push(progress.phase);
          if (progress.phase === 'replaying' || progress.phase === 'catching-up') {
            // Queries see the old, complete generation while the new one fills up.
            assert.equal(await readModel.activeGeneration(), old);
            seenDuringRebuild.push(await readModel.countAccounts({}));
          }
        },
      });
      writing = false;
      await writer;
      await waitFor('the live projection after the swap', live.caughtUp);

      assert.ok(written > 0, 'new events were written during the rebuild');
      assert.equal(result.previousGeneration, old);
      assert.notEqual(result.generation, old);
      assert.equal(await readModel.activeGeneration(), result.generation);
      assert.ok(result.events >= recorded, 'the whole history was replayed');
      assert.ok(seenDuringRebuild.length > 10, `${seenDuringRebuild.length} progress reports`);
      assert.ok(seenDuringRebuild.every((count) => count === accounts));
      assert.deepEqual([phases[0], phases.at(-1)], ['replaying', 'done']);
      assert.ok(phases.includes('swapping'));
      await assert.rejects(readModel.checkpoints(old), 'the old generation is dropped');
      await assertMatchesProjection(readModel, script.events);
    } finally {
      await live.stop();
    }
  });

  test('rebuilds again and again while a continuous stream flows; queries never see a partial or older view', async (t) => {
    const live = await startWithHistory(12);
    const { readModel, script } = live;
    try {
      const accounts = await readModel.countAccounts({});

      // Deposits only, as fast as the bus takes them: balances never go down, so a query that
      // saw a lower balance or a smaller checkpoint than before saw a partial or older generation.
      let flowing = true;
      let deposits = 0;
      const writer = (async () => {
        while (flowing) {
          await live.publish(script.deposit(`acc-${deposits++ % 12}`, 3n));
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      let reads = 0;
      const reader = (async () => {
        const highest = new Map<string, bigint>();
        let checkpoints = await readModel.checkpoints();
        while (flowing) {
          const page = await readModel.listAccounts({ first: 100 });
          assert.equal(await readModel.countAccounts({}), accounts, 'every account, in every generation queries see');
          for (const account of page.accounts) {
            const balance = BigInt(account.balance);
            assert.ok(balance >= (highest.get(account.id) ?? 0n), `balance of ${account.id} went back`);
            highest.set(account.id, balance);
          }
          const now = await readModel.checkpoints();
          assert.ok(
            now.every((sequence, p) => sequence >= checkpoints[p]!),
            'checkpoints never go back',
          );
          checkpoints = now;
          reads++;
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
      })();

      const pauses: number[] = [];
      try {
        for (let rebuild = 0; rebuild < 10; rebuild++) {
          const before = deposits;
          const result = await rebuildBalance({ readModel, source: overTheNetwork(live.source), batchSize: 50 });
          assert.equal(await readModel.activeGeneration(), result.generation);
          assert.ok(deposits > before, 'deposits kept flowing during the rebuild');
          pauses.push(result.swapPauseMs);
        }
      } finally {
        flowing = false;
        await Promise.all([writer, reader]);
      }
      await waitFor('the live projection after the swaps', live.caughtUp);

      assert.ok(reads > 10);
      await assertMatchesProjection(readModel, script.events);
      assert.equal(await readModel.countAccounts({}), accounts);
      t.diagnostic(
        `${deposits} deposits; live projection paused ${pauses.map((ms) => ms.toFixed(1)).join(', ')} ms per swap`,
      );
    } finally {
      await live.stop();
    }
  });

  test('the live projection waits while the rebuild swaps, then goes on in the new generation', async () => {
    const live = await startWithHistory(5);
    const { readModel, script } = live;
    try {
      let swaps = 0;
      const result = await rebuildBalance({
        readModel,
        source: live.source,
        onProgress: async ({ phase }) => {
          if (phase !== 'swapping' || ++swaps > 1) return;
          // Just before the locked step, live traffic moves the active generation past the candidate.
          await live.publish(script.deposit('b', 11n));
          await waitFor('the live projection to get ahead', live.caughtUp);
        },
      });

      assert.equal(swaps, 1, 'the locked step brings the candidate up to the live projection');
      assert.equal(result.swapAttempts, 1);
      assert.equal(await readModel.activeGeneration(), result.generation);
      assert.equal((await readModel.getAccount('b'))?.balance, String(script.balance('b')));
      await live.publish(script.deposit('b', 5n));
      await waitFor('the live projection in the new generation', live.caughtUp);
      await assertMatchesProjection(readModel, script.events);
    } finally {
      await live.stop();
    }
  });

  test('a swap lock left by a rebuild that died lapses by itself; the next rebuild waits it out', async () => {
    const live = await startWithHistory(5);
    const { readModel, script } = live;
    try {
      const dead = await readModel.createGeneration();
      const lockedAt = Date.now();
      assert.equal(await readModel.beginSwap(dead, 300), true);

      await live.publish(script.deposit('a', 9n));
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(await live.caughtUp(), false, 'live commits wait while the lock is held');
      const result = await rebuildBalance({ readModel, source: live.source, swapLockTtlMs: 1_000 });

      assert.ok(Date.now() - lockedAt >= 300, 'the rebuild waited for the lock to lapse');
      assert.ok(result.swapAttempts > 1);
      assert.equal(await readModel.activeGeneration(), result.generation);
      await waitFor('the live projection', live.caughtUp);
      await assertMatchesProjection(readModel, script.events);
      await readModel.dropGeneration(dead);
    } finally {
      await live.stop();
    }
  });

  test('gives up after maxSwapAttempts and leaves the active generation in place', async () => {
    const live = await startWithHistory(3);
    const { readModel, script } = live;
    try {
      const active = await readModel.activeGeneration();
      const other = await readModel.createGeneration();
      assert.equal(await readModel.beginSwap(other, 60_000), true);

      const rebuild = rebuildBalance({ readModel, source: live.source, maxSwapAttempts: 3, swapLockTtlMs: 100 });

      await assert.rejects(rebuild, (error: Error) => {
        assert.ok(error instanceof UnavailableError);
        assert.match(error.message, /in 3 attempts: another rebuild holds the swap lock/);
        return true;
      });
      assert.equal(await readModel.activeGeneration(), active);
      await readModel.endSwap(other);
      await live.publish(script.deposit('c', 1n));
      await waitFor('the live projection once the lock is released', live.caughtUp);
      await assertMatchesProjection(readModel, script.events);
      await readModel.dropGeneration(other);
    } finally {
      await live.stop();
    }
  });

  test('an aborted rebuild changes nothing that queries see', async () => {
    const live = await startWithHistory(10);
    const { readModel, script } = live;
    try {
      const active = await readModel.activeGeneration();
      const controller = new AbortController();

      const rebuild = rebuildBalance({
        readModel,
        source: live.source,
        batchSize: 5,
        signal: controller.signal,
        onProgress: ({ events }) => {
          if (events > 20) controller.abort();
        },
      });

      await assert.rejects(rebuild);
      assert.equal(await readModel.activeGeneration(), active);
      await assertMatchesProjection(readModel, script.events);
    } finally {
      await live.stop();
    }
  });

  test('lanes replay the store side by side while live traffic flows; the rebuilt generation is the projection', async () => {
    const live = await startWithHistory(60);
    const { readModel, script } = live;
    try {
      const old = await readModel.activeGeneration();
      let writing = true;
      const writer = (async () => {
        for (let i = 0; writing; i++) {
          await live.publish(script.deposit(`acc-${i % 60}`, 2n));
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      })();
      // Each page takes a little while, so the two lanes' reads and commits interleave.
      const lanes = [laneOn(overTheNetwork(live.source), file), laneOn(overTheNetwork(live.source), file)];
      const replaying: number[] = [];
      const result = await rebuildBalance({
        readModel,
        source: live.source,
        batchSize: 20,
        lanes,
        onProgress: async (progress) => {
          if (progress.phase !== 'replaying') return;
          replaying.push(progress.events);
          assert.equal(await readModel.activeGeneration(), old, 'queries see the old generation meanwhile');
        },
      });
      writing = false;
      await writer;
      await waitFor('the live projection after the swap', live.caughtUp);

      assert.equal(result.lanes, 2);
      assert.ok(
        lanes.every((lane) => lane.copied > 0),
        `the lanes copied ${lanes.map((lane) => lane.copied)} events`,
      );
      const claimed = lanes.flatMap((lane) => lane.partitions).sort();
      assert.deepEqual(claimed, [...Array(PARTITIONS).keys()], 'every partition was copied, by one lane');
      assert.ok(replaying.length >= 2 && replaying.at(-1)! >= lanes[0]!.copied + lanes[1]!.copied - 20);
      assert.ok(result.events >= lanes[0]!.copied + lanes[1]!.copied);
      assert.equal(await readModel.activeGeneration(), result.generation);
      await assert.rejects(readModel.checkpoints(old), 'the old generation is dropped');
      await assertMatchesProjection(readModel, script.events);
    } finally {
      await live.stop();
    }
  });

  test('a lane that fails stops the others; the rebuild fails and drops its generation', async () => {
    const live = await startWithHistory(30);
    const { readModel, script } = live;
    try {
      const active = await readModel.activeGeneration();
      let candidate = '';
      let otherStopped = false;
      const failing: RebuildLane = {
        async copy(request) {
          candidate = request.generation;
          throw new UnavailableError('the lane lost its connection');
        },
      };
      const waiting: RebuildLane = {
        copy: (_request, signal) =>
          new Promise((_resolve, reject) =>
            signal.addEventListener('abort', () => {
              otherStopped = true;
              reject(signal.reason as Error);
            }),
          ),
      };

      await assert.rejects(
        rebuildBalance({ readModel, source: live.source, lanes: [waiting, failing] }),
        /the lane lost its connection/,
      );
      assert.ok(otherStopped, 'the other lane was told to stop');
      assert.equal(await readModel.activeGeneration(), active);
      await assert.rejects(readModel.checkpoints(candidate), 'the candidate generation is dropped');
      await assertMatchesProjection(readModel, script.events);
    } finally {
      await live.stop();
    }
  });

  test('a replay smaller than lanesFrom runs on the event loop, without the lanes', async () => {
    const live = await startWithHistory(5);
    const { readModel, script } = live;
    try {
      const unused: RebuildLane = {
        copy: () => Promise.reject(new Error('a lane was asked to copy a small replay')),
      };
      const heads = await live.source.heads();
      const total = heads.reduce((sum, head) => sum + head, 0);

      const result = await rebuildBalance({ readModel, source: live.source, lanes: [unused], lanesFrom: total + 1 });

      assert.equal(result.lanes, 0);
      assert.equal(await readModel.activeGeneration(), result.generation);
      await assertMatchesProjection(readModel, script.events);
    } finally {
      await live.stop();
    }
  });
});
