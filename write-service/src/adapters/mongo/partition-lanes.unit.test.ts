import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPartitionLanes } from './partition-lanes.js';

describe('partition lanes', () => {
  test('tasks of one partition run one at a time, in call order', async () => {
    const lanes = createPartitionLanes();
    const log: string[] = [];
    let running = 0;
    const task = (name: string, ms: number) => async () => {
      running++;
      assert.equal(running, 1, `${name} overlapped another task`);
      log.push(`start ${name}`);
      await sleep(ms);
      log.push(`end ${name}`);
      running--;
      return name;
    };
    const results = await Promise.all([
      lanes.run(0, task('a', 20)),
      lanes.run(0, task('b', 1)),
      lanes.run(0, task('c', 5)),
    ]);
    assert.deepEqual(results, ['a', 'b', 'c']);
    assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  test('partitions do not wait for each other', async () => {
    const lanes = createPartitionLanes();
    const log: string[] = [];
    const slow = lanes.run(0, async () => {
      await sleep(30);
      log.push('slow 0');
    });
    await lanes.run(1, async () => {
      log.push('fast 1');
    });
    await slow;
    assert.deepEqual(log, ['fast 1', 'slow 0']);
  });

  test('a failed task rejects its caller only; the next one still runs', async () => {
    const lanes = createPartitionLanes();
    const failed = lanes.run(0, async () => {
      throw new Error('conflict');
    });
    const next = lanes.run(0, async () => 'ran');
    await assert.rejects(failed, /conflict/);
    assert.equal(await next, 'ran');
  });
});
