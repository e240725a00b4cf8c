import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RecordedEvent } from '../envelope.js';
import { defineEventBusContract, defineNotificationBusContract } from './bus.contract.js';
import { createInProcessEventBus, createInProcessNotificationBus } from './in-process.js';

defineEventBusContract('in-process', () => createInProcessEventBus({ redeliveryDelayMs: 20 }));
defineNotificationBusContract('in-process', () => createInProcessNotificationBus());

test('the in-process bus holds only the last events of a partition: a consumer further behind fills the gap from the store', async () => {
  const bus = createInProcessEventBus({ retainPerPartition: 3 });
  const event = (sequence: number): RecordedEvent => ({
    eventId: `e-${sequence}`,
    aggregateType: 'Account',
    aggregateId: 'acc',
    version: sequence,
    type: 'MoneyDeposited',
    schemaVersion: 1,
    data: { amount: '1' },
    metadata: {},
    occurredAt: new Date(0).toISOString(),
    position: { partition: 0, sequence },
  });
  try {
    await bus.publish(0, [1, 2, 3, 4, 5].map(event));
    assert.equal(await bus.lastSequence(0), 5, 'a forwarder that restarts still resumes after the last one');
    const delivered: number[] = [];
    const subscription = await bus.subscribe(0, 0, async (batch) => {
      delivered.push(...batch.map((e) => e.position.sequence));
    });
    while (delivered.length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    await subscription.stop();
    assert.deepEqual(delivered, [3, 4, 5]);
  } finally {
    await bus.close();
  }
});
