import { test } from 'node:test';
import assert from 'node:assert/strict';
import { depositAt } from '../testing/bus-events.js';
import { defineEventBusContract, defineNotificationBusContract } from './bus.contract.js';
import { createInProcessEventBus, createInProcessNotificationBus } from './in-process.js';

defineEventBusContract('in-process', () => createInProcessEventBus({ redeliveryDelayMs: 20 }));
defineNotificationBusContract('in-process', () => createInProcessNotificationBus());

type Bus = ReturnType<typeof createInProcessEventBus>;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const publish = (bus: Bus, sequences: readonly number[]): Promise<void> =>
  bus.publish(
    0,
    sequences.map((sequence) => depositAt(0, sequence)),
  );

/** What partition 0 holds now: the first batch a consumer from the start is offered, which it refuses (so takes nothing). */
async function held(bus: Bus): Promise<number[]> {
  let offered: number[] | undefined;
  const subscription = await bus.subscribe(0, 0, async (batch) => {
    offered ??= batch.map((e) => e.position.sequence);
    throw new Error('only looking');
  });
  for (let waited = 0; offered === undefined && waited < 200; waited += 5) await sleep(5);
  await subscription.stop();
  return offered ?? [];
}

/** Every event a consumer from the start of partition 0 takes until it has `count`. */
async function taken(bus: Bus, count: number): Promise<number[]> {
  const delivered: number[] = [];
  const subscription = await bus.subscribe(0, 0, async (batch) => {
    delivered.push(...batch.map((e) => e.position.sequence));
  });
  while (delivered.length < count) await sleep(5);
  await subscription.stop();
  return delivered;
}

test('the in-process bus holds only the last events of a partition for a consumer not there yet: one further behind fills the gap from the store', async () => {
  const bus = createInProcessEventBus({ retainPerPartition: 3 });
  try {
    await publish(bus, [1, 2, 3, 4, 5]);
    assert.equal(await bus.lastSequence(0), 5, 'a forwarder that restarts still resumes after the last one');
    assert.deepEqual(await taken(bus, 3), [3, 4, 5]);
  } finally {
    await bus.close();
  }
});

test('the in-process bus trims a partition a quarter at a time: it holds up to a quarter more than it keeps', async () => {
  const bus = createInProcessEventBus({ retainPerPartition: 8 });
  try {
    for (let sequence = 1; sequence <= 10; sequence++) await publish(bus, [sequence]);
    assert.deepEqual(await held(bus), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 'not trimmed yet');
    await publish(bus, [11]);
    assert.deepEqual(await held(bus), [4, 5, 6, 7, 8, 9, 10, 11], 'cut back to the last 8');
  } finally {
    await bus.close();
  }
});

test('the in-process bus drops what every consumer has taken: one that comes later finds only newer events', async () => {
  const bus = createInProcessEventBus();
  try {
    await publish(bus, [1, 2, 3, 4, 5]);
    assert.deepEqual(await held(bus), [1, 2, 3, 4, 5], 'held while no consumer has taken them');
    assert.deepEqual(await taken(bus, 5), [1, 2, 3, 4, 5]);
    assert.deepEqual(await held(bus), [], 'the store holds them, not the bus');
    assert.equal(await bus.lastSequence(0), 5, 'a forwarder that restarts still resumes after the last one');
    await publish(bus, [5, 6]);
    assert.deepEqual(await held(bus), [6], 'what was published again is dropped as before');
  } finally {
    await bus.close();
  }
});

test('the in-process bus keeps what a consumer has not taken, however far another one is', async () => {
  const bus = createInProcessEventBus({ redeliveryDelayMs: 5 });
  try {
    const fast: number[] = [];
    const slow: number[][] = [];
    let refusals = 2;
    const fastOne = await bus.subscribe(0, 0, async (batch) => {
      fast.push(...batch.map((e) => e.position.sequence));
    });
    const slowOne = await bus.subscribe(0, 0, async (batch) => {
      slow.push(batch.map((e) => e.position.sequence));
      if (refusals-- > 0) throw new Error('not now');
    });
    await publish(bus, [1, 2, 3]);
    while (slow.length < 3 || fast.length < 3) await sleep(5);
    await Promise.all([fastOne.stop(), slowOne.stop()]);
    assert.deepEqual(fast, [1, 2, 3]);
    assert.deepEqual(
      slow,
      [
        [1, 2, 3],
        [1, 2, 3],
        [1, 2, 3],
      ],
      'a batch refused comes again, whole, after the other consumer took it',
    );
    assert.deepEqual(await held(bus), [], 'once both took them, they are gone');
  } finally {
    await bus.close();
  }
});
