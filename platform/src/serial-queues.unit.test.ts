import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { createSerialQueues } from './serial-queues.js';

test('work on one key runs one at a time, in order, even when some of it fails', async () => {
  const queues = createSerialQueues<string>();
  const log: string[] = [];
  const work =
    (name: string, fail = false) =>
    async () => {
      log.push(`${name} start`);
      await nextTurn();
      log.push(`${name} end`);
      if (fail) throw new Error(name);
      return name;
    };
  const outcomes = await Promise.allSettled([
    queues.run('a', work('1')),
    queues.run('a', work('2', true)),
    queues.run('a', work('3')),
  ]);
  assert.deepEqual(
    outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message)),
    ['1', '2', '3'],
  );
  assert.equal(outcomes[1]!.status, 'rejected');
  assert.deepEqual(log, ['1 start', '1 end', '2 start', '2 end', '3 start', '3 end']);
});

test('work on different keys runs side by side', async () => {
  const queues = createSerialQueues<string>();
  const log: string[] = [];
  const work = (name: string) => async () => {
    log.push(`${name} start`);
    await nextTurn();
    log.push(`${name} end`);
  };
  await Promise.all([queues.run('a', work('a')), queues.run('b', work('b'))]);
  assert.deepEqual(log, ['a start', 'b start', 'a end', 'b end']);
  // A queue that has drained starts the next work at once.
  await queues.run('a', work('a again'));
  assert.deepEqual(log.slice(4), ['a again start', 'a again end']);
});

describe('serial queues keyed by partition', () => {
  test('tasks of one partition run one at a time, in call order', async () => {
    const queues = createSerialQueues<number>();
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
      queues.run(0, task('a', 20)),
      queues.run(0, task('b', 1)),
      queues.run(0, task('c', 5)),
    ]);
    assert.deepEqual(results, ['a', 'b', 'c']);
    assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  test('partitions do not wait for each other', async () => {
    const queues = createSerialQueues<number>();
    const log: string[] = [];
    const slow = queues.run(0, async () => {
      await sleep(30);
      log.push('slow 0');
    });
    await queues.run(1, async () => {
      log.push('fast 1');
    });
    await slow;
    assert.deepEqual(log, ['fast 1', 'slow 0']);
  });

  test('a failed task rejects its caller only; the next one still runs', async () => {
    const queues = createSerialQueues<number>();
    const failed = queues.run(0, async () => {
      throw new Error('conflict');
    });
    const next = queues.run(0, async () => 'ran');
    await assert.rejects(failed, /conflict/);
    assert.equal(await next, 'ran');
  });
});
