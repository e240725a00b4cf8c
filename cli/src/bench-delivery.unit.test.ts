import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarizeDeliveries } from './bench-delivery.js';
import type { DeliverySample } from './bench-delivery.js';

test("a delivery phase is summed up by its percentiles, each stage's own p99, and the stages of its slowest 1%", () => {
  // 196 quick deliveries (acknowledged at 2 ms, the saga's step at 3, on the socket at 8), then 4 slow
  // ones whose time went to the acknowledgement: the tail must show it there.
  const quick: DeliverySample[] = Array.from({ length: 196 }, () => ({
    total: 8,
    acknowledged: 2,
    step: 3,
    delivered: 5,
  }));
  const slow: DeliverySample[] = [
    { total: 100, acknowledged: 80, step: 90, delivered: 10 },
    { total: 110, acknowledged: 85, step: 95, delivered: 15 },
    { total: 120, acknowledged: 100, step: 104, delivered: 16 },
    { total: 130, acknowledged: 110, step: 120, delivered: 10 },
  ];
  const summary = summarizeDeliveries([
    slow[3]!,
    ...quick.slice(0, 100),
    slow[0]!,
    slow[2]!,
    ...quick.slice(100),
    slow[1]!,
  ]);
  assert.equal(summary.p50, 8);
  assert.equal(summary.p99, 120, 'the 199th of 200');
  // Each stage sorted on its own: its 199th of 200.
  assert.deepEqual(summary.stagesP99, { acknowledged: 100, step: 104, delivered: 15 });
  // The slowest 1% of 200 are the two slowest deliveries, whatever the order they came in.
  assert.deepEqual(summary.slowest, { total: 125, acknowledged: 105, step: 112, delivered: 13 });
});
