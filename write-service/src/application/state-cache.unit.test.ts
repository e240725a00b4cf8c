import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStateCache, createStateCaches } from './state-cache.js';

test('keeps the most recently used states up to its capacity', () => {
  const cache = createStateCache<string>(2);
  cache.remember('a', { state: 'a1', version: 1 });
  cache.remember('b', { state: 'b1', version: 1 });
  assert.deepEqual(cache.get('a'), { state: 'a1', version: 1 });
  cache.remember('c', { state: 'c1', version: 1 });
  assert.equal(cache.get('b'), undefined, 'b was used least recently');
  assert.deepEqual(cache.get('a'), { state: 'a1', version: 1 });
  assert.deepEqual(cache.get('c'), { state: 'c1', version: 1 });
});

test('never goes back to an older version', () => {
  const cache = createStateCache<string>(2);
  cache.remember('a', { state: 'a3', version: 3 });
  cache.remember('a', { state: 'a2', version: 2 });
  assert.deepEqual(cache.get('a'), { state: 'a3', version: 3 });
  cache.remember('a', { state: 'a4', version: 4 });
  assert.deepEqual(cache.get('a'), { state: 'a4', version: 4 });
});

test('a state another process went past is marked behind until a newer one is remembered', () => {
  const cache = createStateCache<string>(2);
  cache.markBehind('a', 5);
  assert.equal(cache.isBehind('a'), false, 'nothing is marked for an aggregate that is not cached');
  cache.remember('a', { state: 'a3', version: 3 });
  cache.markBehind('a', 3);
  assert.equal(cache.isBehind('a'), false, 'the kept state is that version');
  cache.markBehind('a', 5);
  assert.equal(cache.isBehind('a'), true);
  assert.deepEqual(cache.get('a'), { state: 'a3', version: 3 }, 'the kept state stays, to read forward from');
  cache.remember('a', { state: 'a4', version: 4 });
  assert.equal(cache.isBehind('a'), true, 'still older than what the store holds');
  cache.remember('a', { state: 'a5', version: 5 });
  assert.equal(cache.isBehind('a'), false);

  cache.markBehind('a', 7);
  cache.remember('b', { state: 'b1', version: 1 });
  cache.remember('c', { state: 'c1', version: 1 });
  assert.equal(cache.get('a'), undefined, 'a was used least recently');
  assert.equal(cache.isBehind('a'), false, 'its mark went with it');
});

test('a capacity of zero keeps nothing', () => {
  const cache = createStateCache<string>(0);
  cache.remember('a', { state: 'a1', version: 1 });
  assert.equal(cache.get('a'), undefined);
});

test('handlers of one aggregate type share its cache; other types have their own', () => {
  const caches = createStateCaches(10);
  caches.of<string>('Account').remember('a', { state: 'opened', version: 1 });
  assert.deepEqual(caches.of<string>('Account').get('a'), { state: 'opened', version: 1 });
  assert.equal(caches.of<string>('Transaction').get('a'), undefined);
});

test("marks reach the cache of the aggregate's type", () => {
  const caches = createStateCaches(10);
  caches.of<string>('Account').remember('a', { state: 'opened', version: 1 });
  caches.markBehind('Transaction', 'a', 2);
  assert.equal(caches.of<string>('Account').isBehind('a'), false, 'another type, another cache');
  caches.markBehind('Account', 'a', 2);
  assert.equal(caches.of<string>('Account').isBehind('a'), true);
});
