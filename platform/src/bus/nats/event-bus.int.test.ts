import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { depositAt } from '../../testing/bus-events.js';
import { engineUrl } from '../../testing/engines.js';
import { connectNats } from './connection.js';
import { createNatsEventBus } from './event-bus.js';
import { isolatedStreams } from '../../testing/nats-streams.js';
import { streamStartAfter } from './stream.js';

const url = engineUrl('nats');

async function collect(bus: ReturnType<typeof createNatsEventBus>, partition: number, after: number, until: number) {
  const seen: number[] = [];
  const subscription = await bus.subscribe(partition, after, async (events) => {
    seen.push(...events.map((e) => e.position.sequence));
  });
  const deadline = Date.now() + 10_000;
  while (!seen.includes(until) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  await subscription.stop();
  return seen;
}

if (url) {
  const isolated = isolatedStreams(url);

  describe('NATS event bus', () => {
    test('a restarted forwarder resumes from lastSequence and its republished events are de-duplicated', async () => {
      const names = isolated();
      const first = createNatsEventBus({ servers: url, partitions: 4, ...names });
      assert.equal(await first.lastSequence(3), 0);
      const events = Array.from({ length: 5 }, (_, i) => depositAt(3, i + 1));
      await first.publish(3, events);
      await first.close();

      const second = createNatsEventBus({ servers: url, partitions: 4, ...names });
      assert.equal(await second.lastSequence(3), 5);
      assert.equal(await second.lastSequence(2), 0);
      // The same events again (same eventIds): JetStream drops them by Nats-Msg-Id.
      await second.publish(3, events.slice(2));
      const client = connectNats({ servers: url });
      const info = await (await client.connection()).jetstreamManager().then((jsm) => jsm.streams.info(names.stream));
      assert.equal(info.state.messages, 5, 'no duplicate stored');
      assert.equal(info.config.duplicate_window, 120_000 * 1_000_000);
      await client.close();
      assert.deepEqual(await collect(second, 3, 0, 5), [1, 2, 3, 4, 5]);
      await second.close();
    });

    test('finds the start of a subscription in a long interleaved stream', async () => {
      const names = isolated();
      const bus = createNatsEventBus({ servers: url, partitions: 4, batchSize: 7, ...names });
      // Round robin, so event (p, s) is stream message 4 (s - 1) + p + 1.
      for (let sequence = 1; sequence <= 60; sequence++) {
        for (const partition of [0, 1, 2, 3]) await bus.publish(partition, [depositAt(partition, sequence)]);
      }
      const client = connectNats({ servers: url });
      const jsm = await (await client.connection()).jetstreamManager();
      for (const after of [0, 1, 37, 59, 60, 99]) {
        const start = await streamStartAfter(jsm, names.stream, `${names.subjectPrefix}.events.2`, after);
        assert.equal(start, after === 0 ? 1 : Math.min(4 * after + 3, 241), `stream position after ${after}`);
      }
      await client.close();
      for (const after of [0, 1, 37, 59]) {
        const seen = await collect(bus, 2, after, 60);
        assert.deepEqual(
          seen,
          Array.from({ length: 60 - after }, (_, i) => after + i + 1),
          `after ${after}`,
        );
      }
      // A cursor ahead of the stream (events the bus dropped or not yet forwarded) waits for them.
      const ahead = collect(bus, 1, 60, 61);
      await bus.publish(1, [depositAt(1, 61)]);
      assert.deepEqual(await ahead, [61]);
      await bus.close();
    });

    test('rejects a partition outside the deployment', async () => {
      const bus = createNatsEventBus({ servers: url, partitions: 4, ...isolated() });
      await assert.rejects(bus.publish(4, [depositAt(4, 1)]), { code: 'VALIDATION' });
      await assert.rejects(
        bus.subscribe(-1, 0, async () => undefined),
        { code: 'VALIDATION' },
      );
      await bus.close();
    });

    test('reports an unreachable server as UNAVAILABLE', async () => {
      const bus = createNatsEventBus({ servers: 'nats://127.0.0.1:1', partitions: 4, ...isolated() });
      await assert.rejects(bus.lastSequence(0), { code: 'UNAVAILABLE' });
      await bus.close();
    });
  });
} else {
  test('NATS suite', { skip: 'NATS_URL is not set' }, () => undefined);
}
