import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkGoals } from './bench-goals.js';

// The figures of one run's JSON line, as `npm run bench -- --seconds 3 --subscribers 1000` printed them
// (8b4d0ac, this machine), trimmed to what the goals read.
const RUN = {
  embedded_typename_vs_apollo: 0.848,
  embedded_deposit_eventual_vs_apollo: 0.306,
  embedded_deposit_ryw_vs_apollo: 0.228,
  embedded_transfer_eventual_vs_apollo: 0.253,
  embedded_delivery_p70_p99_ms: 138.4,
  embedded_delivery_p10_p50_ms: 3.5,
  embedded_rebuild_events_per_s: 88_353,
  embedded_rebuild_vs_raw_read: 0.518,
  embedded_subscribers_p99_ms: 247.2,
  embedded_subscribers_in_order: true,
  embedded_money_landed: true,
};

test('a run is checked against each goal it measured, in the issue order', () => {
  const goals = checkGoals(RUN, 1_000);
  assert.deepEqual(
    goals.map(({ goal, met }) => [goal, met]),
    [
      ['{ __typename } >= 0.9 x Apollo', false],
      ['EVENTUAL deposits >= 0.25 x Apollo', true],
      ['read-your-writes deposits >= 0.2 x Apollo', true],
      ['EVENTUAL transfers >= 0.2 x Apollo', true],
      ['delivery at 70%: p99 <= 50 ms', false],
      ['delivery at 10%: p50 <= 10 ms', true],
      ['rebuild >= 50,000 events/s and >= 0.5 x the raw read', true],
      ['1,000 subscribers at 50%: p99 <= 250 ms, every change in order', true],
      ['nothing given up: the sum of balances is every acknowledged deposit', true],
    ],
  );
  assert.equal(goals[4]!.measured, '138.4 ms');
  assert.equal(goals[6]!.measured, '88353 events/s, 0.518 x');
});

test('a goal holding two figures is met only when both are', () => {
  const slow = checkGoals({ ...RUN, embedded_rebuild_events_per_s: 49_999 }, 1_000);
  assert.equal(slow.find((goal) => goal.goal.startsWith('rebuild'))!.met, false);
  const outOfOrder = checkGoals({ ...RUN, embedded_subscribers_in_order: false }, 1_000);
  const fanOut = outOfOrder.find((goal) => goal.goal.startsWith('1,000'))!;
  assert.deepEqual([fanOut.met, fanOut.measured], [false, '247.2 ms, NOT in order']);
  const lost = checkGoals({ ...RUN, embedded_money_landed: false }, 1_000).at(-1)!;
  assert.deepEqual([lost.met, lost.measured], [false, 'FAILED']);
});

test('a goal the run did not measure is left out, not counted as met', () => {
  const goals = checkGoals(RUN, 200).map(({ goal }) => goal);
  assert.equal(goals.length, 8);
  assert.ok(!goals.some((goal) => goal.startsWith('1,000')), 'a fan-out of 200 is not the 1,000 of the goal');
  assert.ok(!goals.some((goal) => goal.startsWith('RSS')), 'without --memory there is no RSS');
  const withMemory = checkGoals({ ...RUN, rss_mb_after_100k_deposits: 301 }, 1_000);
  assert.deepEqual(
    withMemory.find((goal) => goal.goal.startsWith('RSS')),
    {
      goal: 'RSS after 100,000 deposits < 300 MB',
      measured: '301 MB',
      met: false,
    },
  );
  assert.deepEqual(checkGoals({}, 1_000), []);
});
