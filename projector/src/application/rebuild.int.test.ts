import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UnavailableError } from '@ledger/platform';
import type { LedgerScript } from '../testing/ledger-script.js';
import { assertMatchesProjection, startLiveProjection, story } from '../testing/live-projection.js';
import { waitFor } from '../testing/wait.js';
import type { RebuildProgress } from './rebuild.js';
import { rebuildBalance } from './rebuild.js';

const PARTITIONS = 3;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
let files = 0;

const start = () =>
  startLiveProjection({ path: path.join(dir, `rebuild-${++files}.db`), partitions: PARTITIONS, batchSize: 10 });

/** Enough history that the rebuild commits many batches. */
function history(script: LedgerScript, accounts: number): void {
  story(script);
  for (let i = 0; i < accounts; i++) {
    script.open(`acc-${i}`, `owner-${i % 7}`);
    script.deposit(`acc-${i}`, BigInt(1_000 + i));
    if (i > 0) script.transfer(`acc-${i}`, `acc-${i - 1}`, 7n);
  }
}

describe('rebuild', () => {
  test('rebuilds while the live projector keeps applying new events, then swaps', async () => {
    const live = await start();
    const { readModel, script } = live;
    try {
      history(script, 40);
      await live.publish(script.events);
      await waitFor('the live projection', live.caughtUp);
      const old = await readModel.activeGeneration();
      const accounts = (await readModel.listAccounts({ first: 1 })).totalCount;
      const recorded = script.events.length;

      // Live traffic during the whole rebuild.
      let writing = true;
      let written = 0;
      const writer = (async () => {
        while (writing) {
          const events = script.transfer(`acc-${written % 40}`, 'a', 1n);
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
            seenDuringRebuild.push((await readModel.listAccounts({ first: 1 })).totalCount);
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
      assert.ok(seenDuringRebuild.length > 10 && seenDuringRebuild.every((count) => count === accounts));
      assert.deepEqual([phases[0], phases.at(-1)], ['replaying', 'done']);
      assert.ok(phases.includes('swapping'));
      await assert.rejects(readModel.checkpoints(old), 'the old generation is dropped');
      await assertMatchesProjection(readModel, script.events);
    } finally {
      await live.stop();
    }
  });

  test('a swap refused because the live projection got ahead is retried after catching up', async () => {
    const live = await start();
    const { readModel, script } = live;
    try {
      history(script, 5);
      await live.publish(script.events);
      await waitFor('the live projection', live.caughtUp);

      let swaps = 0;
      const result = await rebuildBalance({
        readModel,
        source: live.source,
        onProgress: async ({ phase }) => {
          if (phase !== 'swapping' || ++swaps > 1) return;
          // Just before the first swap, live traffic moves the active generation past the candidate.
          await live.publish(script.deposit('b', 11n));
          await waitFor('the live projection to get ahead', live.caughtUp);
        },
      });

      assert.equal(swaps, 2);
      assert.equal(await readModel.activeGeneration(), result.generation);
      assert.equal((await readModel.getAccount('b'))?.balance, String(script.balance('b')));
      await assertMatchesProjection(readModel, script.events);
    } finally {
      await live.stop();
    }
  });

  test('gives up after maxSwapAttempts and leaves the active generation in place', async () => {
    const live = await start();
    const { readModel, script } = live;
    try {
      history(script, 3);
      await live.publish(script.events);
      await waitFor('the live projection', live.caughtUp);
      const active = await readModel.activeGeneration();

      const rebuild = rebuildBalance({
        readModel,
        source: live.source,
        maxSwapAttempts: 2,
        onProgress: async ({ phase }) => {
          if (phase !== 'swapping') return;
          await live.publish(script.deposit('c', 1n));
          await waitFor('the live projection to get ahead', live.caughtUp);
        },
      });

      await assert.rejects(rebuild, UnavailableError);
      assert.equal(await readModel.activeGeneration(), active);
      await assertMatchesProjection(readModel, script.events);
    } finally {
      await live.stop();
    }
  });

  test('an aborted rebuild changes nothing that queries see', async () => {
    const live = await start();
    const { readModel, script } = live;
    try {
      history(script, 10);
      await live.publish(script.events);
      await waitFor('the live projection', live.caughtUp);
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
});
