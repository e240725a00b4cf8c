import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { createAggregateTurns } from './aggregate-turns.js';

test('work on one aggregate runs one at a time, in order, even when some of it fails', async () => {
  const turns = createAggregateTurns();
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
    turns.take('a', work('1')),
    turns.take('a', work('2', true)),
    turns.take('a', work('3')),
  ]);
  assert.deepEqual(
    outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message)),
    ['1', '2', '3'],
  );
  assert.equal(outcomes[1]!.status, 'rejected');
  assert.deepEqual(log, ['1 start', '1 end', '2 start', '2 end', '3 start', '3 end']);
});

test('work on different aggregates runs side by side', async () => {
  const turns = createAggregateTurns();
  const log: string[] = [];
  const work = (name: string) => async () => {
    log.push(`${name} start`);
    await nextTurn();
    log.push(`${name} end`);
  };
  await Promise.all([turns.take('a', work('a')), turns.take('b', work('b'))]);
  assert.deepEqual(log, ['a start', 'b start', 'a end', 'b end']);
  // A queue that has drained starts the next work at once.
  await turns.take('a', work('a again'));
  assert.deepEqual(log.slice(4), ['a again start', 'a again end']);
});
