import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AccountView } from '@ledger/schema';
import type { ReadModel } from '../../ports/read-model.js';
import { createFakeElasticsearch } from '../../testing/elasticsearch-fake.js';
import type { FakeElasticsearch } from '../../testing/elasticsearch-fake.js';
import { openElasticReadModel } from './read-model.js';
import type { ElasticReadModelOptions } from './read-model.js';

const account = (id: string, sequence: number): AccountView => ({
  id,
  owner: 'alice',
  balance: String(sequence),
  status: 'OPEN',
  version: sequence,
  updatedAt: '2024-01-01T00:00:00.000Z',
  position: `1:${sequence}`,
});

/** A live projector's commit of account `id` at `sequence` of partition 1. */
const liveCommit = (rm: ReadModel, generation: string, id: string, sequence: number) =>
  rm.commit(
    generation,
    { partition: 1, accounts: [account(id, sequence)], transactions: [], checkpoint: sequence },
    { requireActive: true },
  );

/**
 * Interleavings of a rebuild's swap with a live commit on a fake that keeps Elasticsearch's
 * semantics, each held at the step where the race would open. The property: a commit reported
 * 'committed' is in whatever generation is active afterwards (or it was lost for good: stale
 * balances until the partition's next event, read-your-writes waits that end PENDING).
 */
describe('elastic read model: swap against live commits', () => {
  const opened: ReadModel[] = [];
  const open = async (
    options: Partial<ElasticReadModelOptions> = {},
  ): Promise<{ rm: ReadModel; fake: FakeElasticsearch }> => {
    const fake = createFakeElasticsearch();
    const rm = await openElasticReadModel(fake.elastic, { partitions: 2, refresh: false, ...options });
    opened.push(rm);
    return { rm, fake };
  };
  after(() => Promise.all(opened.map((rm) => rm.close())));

  const assertNotLost = async (rm: ReadModel, result: string, id: string) => {
    if (result !== 'committed') return;
    const active = await rm.activeGeneration();
    assert.notEqual(await rm.getAccount(id), null, `a commit reported committed is missing from ${active}`);
  };

  test('a swap whose own lock lapsed does not move the alias over a live commit', async () => {
    const { rm, fake } = await open();
    const active = await rm.activeGeneration();
    const candidate = await rm.createGeneration();
    assert.equal(await rm.beginSwap(candidate, 50), true);
    await sleep(80); // the rebuild stalled past its lock

    const aliasMove = fake.holdNext('indices.updateAliases');
    const swapping = rm.swap(candidate);
    const reached = await Promise.race([aliasMove.reached.then(() => true), swapping.then(() => false)]);
    // With the alias move held (if the swap got that far), a live commit runs from start to end.
    const result = await liveCommit(rm, active, 'acc-1', 1);
    aliasMove.release();
    const swapped = await swapping;

    assert.equal(result, 'committed', 'no lock is held, so the live commit goes through');
    await assertNotLost(rm, result, 'acc-1');
    assert.equal(swapped, false, 'a swap needs its own unexpired lock');
    assert.equal(reached, false, 'a refused swap never reaches the alias move');
  });

  test('a lock that lapses while the swap refreshes the candidate stops the swap', async () => {
    const { rm, fake } = await open({ swapMarginMs: 20 });
    const active = await rm.activeGeneration();
    const candidate = await rm.createGeneration();
    assert.equal(await rm.beginSwap(candidate, 150), true);

    const refreshing = fake.holdNext('indices.refresh');
    const swapping = rm.swap(candidate);
    await refreshing.reached;
    await sleep(200); // a slow refresh outlives the lock
    const result = await liveCommit(rm, active, 'acc-1', 1);
    refreshing.release();
    const swapped = await swapping;

    assert.equal(result, 'committed');
    await assertNotLost(rm, result, 'acc-1');
    assert.equal(swapped, false);
    assert.equal(await rm.activeGeneration(), active);
  });

  test('a lock with less than the safety margin left is not enough to swap', async () => {
    const { rm } = await open({ swapMarginMs: 1_000 });
    const active = await rm.activeGeneration();
    const candidate = await rm.createGeneration();
    assert.equal(await rm.beginSwap(candidate, 500), true);
    assert.equal(await rm.swap(candidate), false, 'the alias move might land after the lock expired');
    assert.equal(await rm.activeGeneration(), active);
    assert.equal(await liveCommit(rm, active, 'acc-1', 1), 'committed', 'the refused swap released its lock');
  });

  test('a swap under its own lock goes through; commits held meanwhile are redone, not lost', async () => {
    const { rm, fake } = await open();
    const active = await rm.activeGeneration();
    assert.equal(await liveCommit(rm, active, 'acc-1', 1), 'committed');
    const candidate = await rm.createGeneration();
    await rm.commit(
      candidate,
      { partition: 1, accounts: [account('acc-1', 1)], transactions: [], checkpoint: 1 },
      { requireActive: false },
    );
    assert.equal(await rm.beginSwap(candidate, 60_000), true);
    const aliasMove = fake.holdNext('indices.updateAliases');
    const swapping = rm.swap(candidate);
    await aliasMove.reached;
    const held = await liveCommit(rm, active, 'acc-2', 2);
    aliasMove.release();
    assert.equal(await swapping, true);
    assert.equal(held, 'swap-pending');
    assert.equal(await rm.activeGeneration(), candidate);
    assert.equal(await liveCommit(rm, candidate, 'acc-2', 2), 'committed', 'redone against the new generation');
    await assertNotLost(rm, 'committed', 'acc-2');
  });

  test('a live commit whose writes straddle a whole swap is not reported committed', async () => {
    const { rm, fake } = await open();
    const active = await rm.activeGeneration();
    const candidate = await rm.createGeneration();
    const checkpoint = fake.holdNext('index'); // the live commit's checkpoint write, after its documents
    const committing = liveCommit(rm, active, 'acc-1', 1);
    await checkpoint.reached;
    // A whole rebuild swap runs while the live commit waits between its documents and checkpoint.
    assert.equal(await rm.beginSwap(candidate, 60_000), true);
    assert.equal(await rm.swap(candidate), true);
    checkpoint.release();
    const result = await committing;
    assert.notEqual(result, 'committed');
    await assertNotLost(rm, result, 'acc-1');
  });

  test('a live commit is four requests and asks for no refresh; the active generation is remembered', async () => {
    const { rm, fake } = await open({ refresh: undefined });
    const active = await rm.activeGeneration();
    assert.equal(await liveCommit(rm, active, 'acc-1', 1), 'committed');
    const from = fake.calls.length;
    assert.equal(await liveCommit(rm, active, 'acc-1', 2), 'committed');
    const calls = fake.calls.slice(from);
    assert.deepEqual(
      calls.map((call) => call.name),
      ['get', 'bulk', 'index', 'mget'],
      'lock, documents, checkpoint, then lock and alias together',
    );
    assert.equal(calls[1]!.params.refresh, undefined);
    assert.equal((await rm.getAccount('acc-1'))?.balance, '2', 'reads by id see it at once');
  });

  test('a deleted lock index is an error, never "no lock", and is not recreated with guessed mappings', async () => {
    const { rm, fake } = await open();
    const active = await rm.activeGeneration();
    const candidate = await rm.createGeneration();
    await fake.elastic.client.indices.delete({ index: 'ledger-locks' });

    await assert.rejects(rm.beginSwap(candidate, 60_000), /ledger-locks/);
    await assert.rejects(liveCommit(rm, active, 'acc-1', 1), /ledger-locks/);
    assert.deepEqual(fake.autoCreated(), []);
  });
});
