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
