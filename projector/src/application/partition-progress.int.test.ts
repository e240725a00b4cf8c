import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryEventSource } from '../adapters/memory/event-source.js';
import { createSqliteReadModel } from '../adapters/sqlite/read-model.js';
import { createLedgerScript } from '../testing/ledger-script.js';
import { applyEvents } from './apply-events.js';
import { readPartitionProgress } from './partition-progress.js';

const PARTITIONS = 4;

test('progress: lag in events from the checkpoint to the head, in seconds from the oldest unapplied event', async () => {
  // The script's clock puts its events one second apart from 2024-01-01T00:00:00Z.
  const script = createLedgerScript({ partitions: PARTITIONS });
  for (let i = 0; i < 12; i++) script.open(`account-${i}`, `owner-${i}`);
  const source = createMemoryEventSource(script.events, { partitions: PARTITIONS });
  const readModel = createSqliteReadModel({ path: ':memory:', partitions: PARTITIONS });
  try {
    const heads = script.heads();
    const behind = heads.findIndex((head) => head >= 2);
    assert.ok(behind >= 0, 'some partition holds two events');
    // Every partition applied, except `behind`, which has only its first event.
    const generation = await readModel.activeGeneration();
    for (let partition = 0; partition < PARTITIONS; partition++) {
      const mine = script.events.filter((e) => e.position.partition === partition);
      const applied = partition === behind ? mine.slice(0, 1) : mine;
      await applyEvents(readModel, generation, partition, applied, { requireActive: true });
    }
    const second = script.events.filter((e) => e.position.partition === behind)[1]!;
    const now = Date.parse(second.occurredAt) + 7_500;

    const progress = await readPartitionProgress({ source, readModel, now: () => now });

    assert.equal(progress.length, PARTITIONS);
    for (const p of progress) {
      assert.equal(p.storeHead, heads[p.partition]);
      if (p.partition === behind) {
        assert.equal(p.checkpoint, 1);
        assert.equal(p.lagEvents, heads[behind]! - 1);
        assert.equal(p.lagSeconds, 7.5);
      } else {
        assert.equal(p.checkpoint, heads[p.partition]);
        assert.equal(p.lagEvents, 0);
        assert.equal(p.lagSeconds, 0);
      }
    }
  } finally {
    await readModel.close();
    await source.close();
  }
});
