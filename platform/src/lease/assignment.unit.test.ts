import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assignPartitions } from './assignment.js';

const ownerOf = (assignment: Map<string, Set<number>>): Map<number, string> =>
  new Map([...assignment].flatMap(([member, partitions]) => [...partitions].map((p) => [p, member] as const)));
const moved = (before: Map<number, string>, after: Map<number, string>): number =>
  [...after].filter(([partition, member]) => before.get(partition) !== member).length;
const members = (n: number): string[] => Array.from({ length: n }, (_, i) => `replica-${i}`).sort();

describe('partition assignment', () => {
  test('every partition has exactly one member and the spread is even', () => {
    for (const partitions of [1, 7, 16, 64]) {
      for (let n = 1; n <= 9; n++) {
        const assignment = assignPartitions('projector', partitions, members(n));
        const sizes = [...assignment.values()].map((owned) => owned.size);
        assert.equal(
          sizes.reduce((a, b) => a + b, 0),
          partitions,
        );
        assert.equal(ownerOf(assignment).size, partitions);
        assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `${partitions} over ${n}: ${sizes.join('/')}`);
      }
    }
  });

  test('every replica computes the same assignment', () => {
    const list = members(5);
    assert.deepEqual(assignPartitions('saga', 16, list), assignPartitions('saga', 16, [...list]));
  });

  test('a replica joining moves few partitions besides those it takes', () => {
    let total = 0;
    let worst = 0;
    for (let n = 2; n <= 8; n++) {
      const before = ownerOf(assignPartitions('projector', 64, members(n)));
      const after = ownerOf(assignPartitions('projector', 64, [...members(n), 'zz-new'].sort()));
      const taken = [...after.values()].filter((member) => member === 'zz-new').length;
      const extra = moved(before, after) - taken;
      total += extra;
      worst = Math.max(worst, extra);
    }
    // p mod n would move most partitions; here only a few besides the newcomer's share.
    assert.ok(worst <= 10, `worst extra moves ${worst}`);
    assert.ok(total / 7 <= 6, `average extra moves ${total / 7}`);
  });
});
