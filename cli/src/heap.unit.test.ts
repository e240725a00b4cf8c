import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boundHeapGrowth, HEAP_GROWING_PERCENT } from './heap.js';

test('bounds the heap growth of a server started without its own setting', () => {
  assert.equal(boundHeapGrowth([]), HEAP_GROWING_PERCENT);
  assert.equal(boundHeapGrowth(['--enable-source-maps', '--max-old-space-size=512']), HEAP_GROWING_PERCENT);
});

test("leaves the operator's own --heap-growing-percent alone", () => {
  assert.equal(boundHeapGrowth(['--heap-growing-percent=100']), undefined);
});
