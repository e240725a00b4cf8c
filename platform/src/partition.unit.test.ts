import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { partitionOf } from './partition.js';

/** FNV-1a (32 bit) over the id's UTF-8 bytes, as every service and engine computes it. */
function reference(aggregateId: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(aggregateId, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitions;
}

test('an aggregate keeps its partition: FNV-1a over the UTF-8 bytes of its id, ASCII or not', () => {
  // Partitions of existing stores depend on these: the values were read off the implementation every
  // store so far was written with (the large modulus shows the whole hash).
  const known: Array<[string, number, number]> = [
    ['', 5, 129_763],
    ['a', 12, 990_745],
    ['0190d4a8-7b7c-7e3a-9c1b-2f5e6d7c8b9a', 4, 783_254],
    ['acc-1', 12, 931_363],
    ['compte-é', 0, 591_334],
    ['口座-1', 0, 870_046],
    ['😀', 8, 290_658],
  ];
  for (const [id, of16, ofLarge] of known) {
    assert.equal(partitionOf(id, 16), of16, `${JSON.stringify(id)} of 16`);
    assert.equal(partitionOf(id, 1_000_003), ofLarge, `${JSON.stringify(id)} of 1,000,003`);
  }
  for (let i = 0; i < 2_000; i++) {
    const id = i % 2 ? randomUUID() : `${randomUUID()}-ü${i}`;
    assert.equal(partitionOf(id, 1_000_003), reference(id, 1_000_003), id);
  }
});
