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

describe('createTurnBatch with a batch that runs elsewhere', () => {
  test('one batch at a time: what comes while it runs makes the next batch', async () => {
    const batches: number[][] = [];
    const release: Array<() => void> = [];
    const batch = createTurnBatch<number, number>(async (items) => {
      batches.push([...items]);
      await new Promise<void>((resolve) => release.push(resolve));
      return items.map((result) => ({ result }));
    });
    const first = batch.submit(1);
    await new Promise((resolve) => setImmediate(resolve));
    const later = [batch.submit(2), batch.submit(3)];
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(batches, [[1]], 'the second batch waits for the first');
    release.shift()!();
    assert.equal(await first, 1);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(batches, [[1], [2, 3]]);
    release.shift()!();
    assert.deepEqual(await Promise.all(later), [2, 3]);
    await batch.idle();
  });

  test('a rejected batch fails its items only; idle waits for the queue to empty', async () => {
    let calls = 0;
    const batch = createTurnBatch<number, number>(async (items) => {
      if (calls++ === 0) throw new Error('thread gone');
      return items.map((result) => ({ result }));
    });
    const failed = batch.submit(1);
    await assert.rejects(failed, /thread gone/);
    const next = batch.submit(2);
    await batch.idle();
    assert.equal(await next, 2);
  });
});
