import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createInProcessNotificationBus, silentLogger } from '@ledger/platform';
import type { NotificationBus } from '@ledger/platform';
import { createNotificationHub } from './notification-hub.js';

test('the hub fans one bus subscription per subject family out to its listeners', async () => {
  const bus = createInProcessNotificationBus();
  const patterns: string[] = [];
  const counted: NotificationBus = {
    ...bus,
    subscribe: (pattern, handler) => {
      patterns.push(pattern);
      return bus.subscribe(pattern, handler);
    },
  };
  const hub = createNotificationHub({ bus: counted, logger: silentLogger() });
  const seen: string[] = [];
  const stopA = await hub.listen('ledger.notify.balance.a', (payload) => seen.push(`a:${String(payload)}`));
  const stopB = await hub.listen('ledger.notify.balance.b', (payload) => seen.push(`b:${String(payload)}`));
  await hub.listen('ledger.notify.balance.*', (_payload, subject) => seen.push(`*:${subject}`));
  await hub.listen('ledger.notify.checkpoint.3', (payload) => seen.push(`cp:${String(payload)}`));
  assert.deepEqual(patterns.sort(), ['ledger.notify.balance.*', 'ledger.notify.checkpoint.*']);

  await bus.publish('ledger.notify.balance.a', 1);
  await bus.publish('ledger.notify.balance.c', 2);
  await bus.publish('ledger.notify.checkpoint.3', 3);
  await bus.publish('ledger.notify.checkpoint.4', 4);
  stopA();
  await bus.publish('ledger.notify.balance.a', 5);
  stopB();
  assert.deepEqual(seen, [
    'a:1',
    '*:ledger.notify.balance.a',
    '*:ledger.notify.balance.c',
    'cp:3',
    '*:ledger.notify.balance.a',
  ]);

  await hub.close();
  await bus.publish('ledger.notify.balance.c', 6);
  assert.equal(seen.length, 5, 'nothing is delivered after close');
  await assert.rejects(hub.listen('ledger.notify.balance.a', () => undefined));
});
