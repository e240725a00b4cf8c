import { test } from 'node:test';
import assert from 'node:assert/strict';
import { depositAt } from '../testing/bus-events.js';
import { defineEventBusContract, defineNotificationBusContract } from './bus.contract.js';
import { createInProcessEventBus, createInProcessNotificationBus } from './in-process.js';

defineEventBusContract('in-process', () => createInProcessEventBus({ redeliveryDelayMs: 20 }));
defineNotificationBusContract('in-process', () => createInProcessNotificationBus());

/** Every event the bus delivers to a consumer starting at the beginning of partition 0. */
async function deliveredFromStart(bus: ReturnType<typeof createInProcessEventBus>, count: number): Promise<number[]> {
  const delivered: number[] = [];
  const subscription = await bus.subscribe(0, 0, async (batch) => {
    delivered.push(...batch.map((e) => e.position.sequence));
  });
  while (delivered.length < count) await new Promise((resolve) => setTimeout(resolve, 5));
  await subscription.stop();
  return delivered;
}

test('the in-process bus holds only the last events of a partition: a consumer further behind fills the gap from the store', async () => {
  const bus = createInProcessEventBus({ retainPerPartition: 3 });
  try {
    await bus.publish(
      0,
      [1, 2, 3, 4, 5].map((sequence) => depositAt(0, sequence)),
    );
    assert.equal(await bus.lastSequence(0), 5, 'a forwarder that restarts still resumes after the last one');
    assert.deepEqual(await deliveredFromStart(bus, 3), [3, 4, 5]);
  } finally {
    await bus.close();
  }
});

test('the in-process bus trims a partition a quarter at a time: it holds up to a quarter more than it keeps', async () => {
  const bus = createInProcessEventBus({ retainPerPartition: 8 });
  try {
    for (let sequence = 1; sequence <= 10; sequence++) await bus.publish(0, [depositAt(0, sequence)]);
    assert.deepEqual(await deliveredFromStart(bus, 10), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 'not trimmed yet');
    await bus.publish(0, [depositAt(0, 11)]);
    assert.deepEqual(await deliveredFromStart(bus, 8), [4, 5, 6, 7, 8, 9, 10, 11], 'cut back to the last 8');
  } finally {
    await bus.close();
  }
});
