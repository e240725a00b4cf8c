import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createAppendSignal } from './append-signal.js';

describe('append signal', () => {
  test('wakes listeners once per new head, however many sources report it', () => {
    const signal = createAppendSignal(3);
    const seen: number[] = [];
    signal.subscribe((partition) => seen.push(partition));
    signal.reached(1, 4); // local commit
    signal.reached(1, 3); // the change stream reporting earlier inserts of that commit
    signal.reached(1, 4); // ... and its last one
    signal.reached(2, 1);
    signal.reached(1, 5); // a later commit from another process
    assert.deepEqual(seen, [1, 2, 1]);
  });

  test('ignores an empty head and partitions outside the count', () => {
    const signal = createAppendSignal(2);
    const seen: number[] = [];
    signal.subscribe((partition) => seen.push(partition));
    signal.reached(0, 0);
    signal.reached(2, 5);
    signal.reached(-1, 5);
    assert.deepEqual(seen, []);
  });

  test('unsubscribe stops one subscription, and clear stops all', () => {
    const signal = createAppendSignal(1);
    const seen: string[] = [];
    const listener = () => seen.push('a');
    const first = signal.subscribe(listener);
    signal.subscribe(listener);
    signal.subscribe(() => seen.push('b'));
    assert.equal(signal.listenerCount, 3);
    signal.reached(0, 1);
    first();
    signal.reached(0, 2);
    signal.clear();
    signal.reached(0, 3);
    assert.deepEqual(seen, ['a', 'a', 'b', 'a', 'b']);
    assert.equal(signal.listenerCount, 0);
  });

  test('a throwing listener is reported and the others still wake', () => {
    const failures: unknown[] = [];
    const signal = createAppendSignal(1, (error) => failures.push(error));
    const seen: number[] = [];
    signal.subscribe(() => {
      throw new Error('boom');
    });
    signal.subscribe((partition) => seen.push(partition));
    signal.reached(0, 1);
    assert.deepEqual(seen, [0]);
    assert.equal(failures.length, 1);
    assert.match((failures[0] as Error).message, /boom/);
  });
});
