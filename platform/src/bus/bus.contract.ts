import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '../envelope.js';
import type { EventBus, NotificationBus } from './port.js';

/** Builds a fresh, isolated adapter for one test; the contract closes it afterwards. */
export type MakeBus<Bus> = () => Bus | Promise<Bus>;

const WAIT_MS = 10_000;

async function waitUntil(what: string, condition: () => boolean, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** The adapters a test opened, closed after it whatever its outcome. */
function openedBuses<Bus extends { close(): Promise<void> }>(make: MakeBus<Bus>): () => Promise<Bus> {
  const opened: Bus[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((bus) => bus.close()));
  });
  return async () => {
    const bus = await make();
    opened.push(bus);
    return bus;
  };
}

/**
 * The EventBus port's behaviour, run against every adapter. Partitions used: 0 to 3.
 * Event ids are stable per (run, partition, sequence), so a republish is the same event again.
 */
export function defineEventBusContract(name: string, make: MakeBus<EventBus>): void {
  describe(`EventBus contract: ${name}`, () => {
    const open = openedBuses(make);
    const run = randomUUID();
    const event = (partition: number, sequence: number): RecordedEvent => ({
      eventId: `${run.slice(0, 8)}-${partition}-${sequence}`,
      aggregateType: 'Account',
      aggregateId: `acc-${partition}`,
      version: sequence,
      type: 'MoneyDeposited',
      schemaVersion: 1,
      data: { amount: String(sequence * 100), note: 'ünïcødé' },
      metadata: { correlationId: `corr-${sequence}`, idempotencyKey: `key-${sequence}` },
      occurredAt: new Date(Date.UTC(2024, 0, 1, 0, 0, sequence)).toISOString(),
      position: { partition, sequence },
    });
    const events = (partition: number, from: number, to: number): RecordedEvent[] =>
      range(from, to).map((sequence) => event(partition, sequence));

    /** Subscribes and records what the handler accepted, batch by batch. */
    async function record(bus: EventBus, partition: number, after: number, fail?: (batch: number[]) => boolean) {
      const accepted: RecordedEvent[] = [];
      const calls: number[][] = [];
      const subscription = await bus.subscribe(partition, after, async (batch) => {
        const sequences = batch.map((e) => e.position.sequence);
        calls.push(sequences);
        if (fail?.(sequences)) throw new Error('handler failed (on purpose)');
        accepted.push(...batch);
      });
      const sequences = (): number[] => accepted.map((e) => e.position.sequence);
      const reach = (sequence: number): Promise<void> =>
        waitUntil(`sequence ${sequence} on partition ${partition}`, () => sequences().includes(sequence));
      return { accepted, calls, sequences, reach, subscription };
    }

    test('delivers a partition in order, published before and after subscribing', async () => {
      const bus = await open();
      await bus.publish(0, events(0, 1, 3));
      await bus.publish(0, events(0, 4, 5));
      const seen = await record(bus, 0, 0);
      await seen.reach(5);
      await bus.publish(0, events(0, 6, 8));
      await seen.reach(8);
      assert.deepEqual(seen.sequences(), range(1, 8));
      assert.deepEqual(seen.accepted, events(0, 1, 8), 'events arrive exactly as published');
    });

    test('subscribes after a given sequence', async () => {
      const bus = await open();
      await bus.publish(1, events(1, 1, 6));
      const middle = await record(bus, 1, 3);
      const head = await record(bus, 1, 6);
      await middle.reach(6);
      await bus.publish(1, events(1, 7, 7));
      await head.reach(7);
      await middle.reach(7);
      assert.deepEqual(middle.sequences(), range(4, 7));
      assert.deepEqual(head.sequences(), [7]);
    });

    test('a handler that throws gets the same batch again and nothing is skipped', async () => {
      const bus = await open();
      await bus.publish(0, events(0, 1, 3));
      let failures = 0;
      const seen = await record(bus, 0, 0, (batch) => batch.includes(4) && failures++ < 2);
      await seen.reach(3);
      await bus.publish(0, events(0, 4, 6));
      await seen.reach(6);
      assert.equal(failures, 3, 'failed twice, then succeeded');
      const withFour = seen.calls.filter((batch) => batch.includes(4));
      assert.equal(withFour.length, 3);
      for (const batch of withFour) assert.equal(batch[0], 4, `redelivery starts at the failed batch: ${batch}`);
      assert.deepEqual(seen.sequences(), range(1, 6));
    });

    test('republishing the same events delivers each once', async () => {
      const bus = await open();
      await bus.publish(2, events(2, 1, 3));
      await bus.publish(2, events(2, 1, 3));
      await bus.publish(2, events(2, 2, 5));
      const [seen, second] = await Promise.all([record(bus, 2, 0), record(bus, 2, 0)]);
      await seen.reach(5);
      await second.reach(5);
      await bus.publish(2, events(2, 4, 6));
      await seen.reach(6);
      await second.reach(6);
      assert.deepEqual(seen.sequences(), range(1, 6));
      assert.deepEqual(second.sequences(), range(1, 6), 'every consumer sees each event once');
    });

    test('partitions are independent', async () => {
      const bus = await open();
      await bus.publish(0, events(0, 1, 3));
      await bus.publish(3, events(3, 1, 2));
      const stuck = await record(bus, 0, 0, () => true);
      const three = await record(bus, 3, 0);
      await three.reach(2);
      await bus.publish(3, events(3, 3, 3));
      await three.reach(3);
      assert.deepEqual(three.sequences(), [1, 2, 3]);
      assert.ok(
        three.accepted.every((e) => e.position.partition === 3),
        'only partition 3',
      );
      await waitUntil('partition 0 to be attempted', () => stuck.calls.length > 0);
      assert.deepEqual(stuck.accepted, [], 'a failing partition does not block the others');
    });

    test('lastSequence tells how far each partition is held, republishing included', async () => {
      const bus = await open();
      assert.equal(await bus.lastSequence(2), 0);
      await bus.publish(2, events(2, 1, 4));
      await bus.publish(2, events(2, 3, 5));
      assert.equal(await bus.lastSequence(2), 5);
      assert.equal(await bus.lastSequence(1), 0, 'per partition');
    });

    test('stop() ends delivery', async () => {
      const bus = await open();
      await bus.publish(1, events(1, 1, 2));
      const stopped = await record(bus, 1, 0);
      await stopped.reach(2);
      await stopped.subscription.stop();
      await bus.publish(1, events(1, 3, 4));
      const witness = await record(bus, 1, 2);
      await witness.reach(4);
      assert.deepEqual(stopped.sequences(), [1, 2]);
      assert.deepEqual(witness.sequences(), [3, 4]);
    });
  });
}

/** The NotificationBus port's behaviour, run against every adapter. */
export function defineNotificationBusContract(name: string, make: MakeBus<NotificationBus>): void {
  describe(`NotificationBus contract: ${name}`, () => {
    const open = openedBuses(make);
    // A subject space of its own, so runs sharing a server do not see each other.
    const space = (): string => `ledger.notify.t${randomUUID().replaceAll('-', '')}`;

    async function listen(bus: NotificationBus, pattern: string) {
      const received: Array<{ subject: string; payload: unknown }> = [];
      const subscription = await bus.subscribe(pattern, (subject, payload) => received.push({ subject, payload }));
      const subjects = (): string[] => received.map((r) => r.subject);
      const reach = (subject: string): Promise<void> =>
        waitUntil(`${subject} on ${pattern}`, () => subjects().includes(subject));
      return { received, subjects, reach, subscription };
    }

    test('delivers JSON payloads on the exact subject', async () => {
      const bus = await open();
      const s = space();
      const payload = {
        accountId: 'a',
        balance: '12345678901234567890',
        at: '2024-01-01T00:00:00.000Z',
        tags: [1, null],
      };
      const exact = await listen(bus, `${s}.balance.a`);
      await bus.publish(`${s}.balance.b`, { other: true });
      await bus.publish(`${s}.balance.a`, payload);
      await bus.publish(`${s}.balance.a`, 'plain text');
      await exact.reach(`${s}.balance.a`);
      await waitUntil('both payloads', () => exact.received.length >= 2);
      assert.deepEqual(exact.received, [
        { subject: `${s}.balance.a`, payload },
        { subject: `${s}.balance.a`, payload: 'plain text' },
      ]);
    });

    test('`*` matches exactly one token', async () => {
      const bus = await open();
      const s = space();
      const one = await listen(bus, `${s}.balance.*`);
      for (const subject of [
        `${s}.balance.a`,
        `${s}.balance.a.b`,
        `${s}.transaction.a`,
        `${s}.balance`,
        `${s}.balance.z`,
      ]) {
        await bus.publish(subject, { subject });
      }
      await one.reach(`${s}.balance.z`);
      assert.deepEqual(one.subjects(), [`${s}.balance.a`, `${s}.balance.z`]);
    });

    test('`>` matches one or more trailing tokens', async () => {
      const bus = await open();
      const s = space();
      const rest = await listen(bus, `${s}.>`);
      const subjects = [`${s}.balance.a`, s, `${space()}.balance.a`, `${s}.transaction.t.settled`, `${s}.end`];
      for (const subject of subjects) await bus.publish(subject, {});
      await rest.reach(`${s}.end`);
      assert.deepEqual(rest.subjects(), [`${s}.balance.a`, `${s}.transaction.t.settled`, `${s}.end`]);
    });

    test('every matching subscription gets its copy, and stop() ends one', async () => {
      const bus = await open();
      const s = space();
      const exact = await listen(bus, `${s}.balance.a`);
      const wide = await listen(bus, `${s}.balance.*`);
      await bus.publish(`${s}.balance.a`, { n: 1 });
      await wide.reach(`${s}.balance.a`);
      await exact.reach(`${s}.balance.a`);
      await exact.subscription.stop();
      await bus.publish(`${s}.balance.a`, { n: 2 });
      await bus.publish(`${s}.balance.end`, {});
      await wide.reach(`${s}.balance.end`);
      assert.deepEqual(
        exact.received.map((r) => r.payload),
        [{ n: 1 }],
      );
      assert.deepEqual(
        wide.received.map((r) => r.payload),
        [{ n: 1 }, { n: 2 }, {}],
      );
    });
  });
}
