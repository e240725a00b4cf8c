import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { engineUrl } from '../../testing/engines.js';
import { defineEventBusContract, defineNotificationBusContract } from '../bus.contract.js';
import { connectNats } from './connection.js';
import { createNatsEventBus } from './event-bus.js';
import { createNatsNotificationBus } from './notification-bus.js';
import { isolatedStreams } from '../../testing/nats-streams.js';

const url = engineUrl('nats');

if (url) {
  const isolated = isolatedStreams(url);
  defineEventBusContract('nats', () =>
    createNatsEventBus({ servers: url, partitions: 4, redeliveryDelayMs: 20, ...isolated() }),
  );
  defineNotificationBusContract('nats', () => createNatsNotificationBus({ servers: url }));

  describe('NATS notifications across connections', () => {
    test('a notification published through one replica reaches a subscriber on another', async () => {
      const gateway = createNatsNotificationBus({ servers: url });
      const projector = createNatsNotificationBus({ servers: url });
      const subject = `ledger.notify.t${isolated().subjectPrefix}.balance.a`;
      const received: unknown[] = [];
      await gateway.subscribe(subject, (_subject, payload) => received.push(payload));
      await projector.publish(subject, { balance: '42' });
      const deadline = Date.now() + 5_000;
      while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      assert.deepEqual(received, [{ balance: '42' }]);
      await Promise.all([gateway.close(), projector.close()]);
    });

    test('buses sharing one client leave it open for its owner to close', async () => {
      const client = connectNats({ servers: url });
      const events = createNatsEventBus({ client, partitions: 2, ...isolated() });
      const notifications = createNatsNotificationBus({ client });
      assert.equal(await events.lastSequence(1), 0);
      await Promise.all([events.close(), notifications.close()]);
      const connection = await client.connection();
      assert.equal(connection.isClosed(), false);
      await client.close();
      assert.equal(connection.isClosed(), true);
      await client.close();
    });
  });
} else {
  test('NATS suite', { skip: 'NATS_URL is not set' }, () => undefined);
}
