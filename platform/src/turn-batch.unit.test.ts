import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTurnBatch } from './turn-batch.js';

describe('createTurnBatch', () => {
  test('what one turn submits runs as one batch, in order; each caller gets its own outcome', async () => {
    const batches: number[][] = [];
    const heard: number[] = [];
    const batch = createTurnBatch<number, number>(
      (items) => {
        batches.push([...items]);
        return items.map((n) => (n === 3 ? { error: new Error('three') } : { result: n * 10 }));
      },
      (items) => heard.push(items.length),
    );
    const first = [1, 2, 3, 4].map((n) => batch.submit(n).catch((error: Error) => error.message));
    assert.deepEqual(await Promise.all(first), [10, 20, 'three', 40]);
    assert.equal(await batch.submit(5), 50);
    assert.deepEqual(batches, [[1, 2, 3, 4], [5]]);
    assert.deepEqual(heard, [4, 1]);
  });

  test('a batch that throws fails every item of it, and the next batch runs', async () => {
    let fail = true;
    const batch = createTurnBatch<string, string>((items) => {
      if (fail) throw new Error('disk full');
      return items.map((item) => ({ result: item }));
    });
    const failed = await Promise.allSettled([batch.submit('a'), batch.submit('b')]);
    assert.deepEqual(
      failed.map((outcome) => outcome.status === 'rejected' && (outcome.reason as Error).message),
      ['disk full', 'disk full'],
    );
    fail = false;
    assert.equal(await batch.submit('c'), 'c');
  });

  test('flush runs the queue at once', async () => {
    let runs = 0;
    const batch = createTurnBatch<number, number>((items) => {
      runs++;
      return items.map((result) => ({ result }));
    });
    const pending = batch.submit(7);
    batch.flush();
    assert.equal(runs, 1);
    assert.equal(await pending, 7);
    batch.flush();
    assert.equal(runs, 1, 'an empty queue runs nothing');
  });
});
