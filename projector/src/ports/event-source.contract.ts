import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { LedgerEvent } from '@ledger/schema';
import type { EventStore, NewEvent } from '@ledger/write-service';
import type { EventSource, ReplayRequest } from './event-source.js';

const event = (type: string, data: unknown): NewEvent => ({
  eventId: randomUUID(),
  type,
  data,
  metadata: { correlationId: 'c-1' },
  occurredAt: new Date().toISOString(),
});

const deposit = { amount: '1', kind: 'DEPOSIT', counterparty: null };

/** An account opened, then `deposits` deposits of 1, appended in one go. */
export async function seedAccount(store: EventStore, deposits: number): Promise<string> {
  const id = randomUUID();
  const events = [event('AccountOpened', { owner: `owner-${id.slice(0, 4)}` })];
  for (let i = 1; i <= deposits; i++) {
    events.push(event('MoneyDeposited', { ...deposit, balance: String(i), transactionId: randomUUID() }));
  }
  await store.append({ aggregateType: 'Account', aggregateId: id, expectedVersion: 0, events });
  return id;
}

async function seedTransaction(store: EventStore): Promise<void> {
  const data = { kind: 'DEPOSIT', from: null, to: randomUUID(), amount: '5' };
  await store.append({
    aggregateType: 'Transaction',
    aggregateId: randomUUID(),
    expectedVersion: 0,
    events: [event('TransactionRequested', data)],
  });
}

/** What a replay should yield, computed from the store directly. */
async function expected(store: EventStore, request: ReplayRequest): Promise<string[]> {
  const heads = await store.heads();
  const partitions = request.partitions ?? heads.map((_, p) => p);
  const ids: string[] = [];
  for (const p of [...partitions].sort((a, b) => a - b)) {
    const from = request.from?.[p] ?? 0;
    const to = request.to?.[p] ?? heads[p]!;
    const events = await store.readPartition(p, from, Math.max(0, to - from));
    const types = request.aggregateTypes;
    ids.push(...events.filter((e) => !types || types.includes(e.aggregateType)).map((e) => e.eventId));
  }
  return ids;
}

/** Every event a replay yields, in order. */
export async function collect(source: EventSource, request: ReplayRequest): Promise<LedgerEvent[]> {
  const events: LedgerEvent[] = [];
  for await (const page of source.replay(request)) events.push(...page);
  return events;
}

/** `store` with a count of its partition reads, either form (the reads a replay makes). */
export function countingReads(store: EventStore): { store: EventStore; reads(): number } {
  let reads = 0;
  return {
    store: {
      ...store,
      readPartition: (partition, afterSequence, limit) => {
        reads++;
        return store.readPartition(partition, afterSequence, limit);
      },
      readPartitionWire: (partition, afterSequence, limit) => {
        reads++;
        return store.readPartitionWire(partition, afterSequence, limit);
      },
    },
    reads: () => reads,
  };
}

function assertPartitionOrder(events: readonly LedgerEvent[]): void {
  for (let i = 1; i < events.length; i++) {
    const [a, b] = [events[i - 1]!.position, events[i]!.position];
    assert.ok(a.partition < b.partition || (a.partition === b.partition && a.sequence < b.sequence));
  }
}

/** An adapter of the EventSource port over a store (embedded, 4 partitions, empty when it starts). */
export interface EventSourceUnderTest {
  readonly store: EventStore;
  readonly source: EventSource;
  /** Store reads (readPartition or readPartitionWire) the adapter made so far. */
  reads(): number;
  /** Stops the source and the store; rejects if a replay is still running at the store's end. */
  stop(): Promise<void>;
}

/**
 * What every EventSource adapter does over the same store: pages in partition order within the
 * requested bounds and filters, the heads of the call time, progress, and a consumer that stops
 * early or aborts stops the reads. `start(pageSize)` starts one over a new store.
 */
export function defineEventSourceContract(
  name: string,
  start: (pageSize: number) => Promise<EventSourceUnderTest>,
): void {
  describe(`${name} event source over several partitions`, () => {
    let running: EventSourceUnderTest;
    before(async () => {
      running = await start(3);
      for (let i = 0; i < 12; i++) await seedAccount(running.store, i % 4);
      for (let i = 0; i < 8; i++) await seedTransaction(running.store);
      // Ids are random: 20 aggregates leave one of 4 partitions empty about once in 80 runs.
      while ((await running.store.heads()).some((head) => head === 0)) await seedAccount(running.store, 1);
      const heads = await running.store.heads();
      assert.ok(
        heads.every((head) => head > 0),
        'every partition holds events',
      );
    });
    after(() => running.stop());

    test('replays every partition in ascending order, each by sequence, decoded', async () => {
      const events = await collect(running.source, {});
      assertPartitionOrder(events);
      assert.deepEqual(
        events.map((e) => e.eventId),
        await expected(running.store, {}),
      );
      const heads = await running.store.heads();
      assert.equal(
        events.length,
        heads.reduce((sum, head) => sum + head, 0),
      );
      const first = events[0]!;
      const stored = (await running.store.readAggregate(first.aggregateId)).find((e) => e.eventId === first.eventId);
      assert.deepEqual({ ...first }, { ...stored });
    });

    test('keeps to the from/to bounds and the partition and aggregate type filters', async () => {
      const requests: ReplayRequest[] = [
        { from: { 0: 2, 2: 1 }, to: { 0: 4 } },
        { partitions: [3, 1], from: { 1: 1 } },
        { aggregateTypes: ['Transaction'] },
        { partitions: [2], aggregateTypes: ['Account'], to: { 2: 3 } },
        { from: { 0: 1_000 } },
      ];
      for (const request of requests) {
        const events = await collect(running.source, request);
        assertPartitionOrder(events);
        assert.deepEqual(
          events.map((e) => e.eventId),
          await expected(running.store, request),
          JSON.stringify(request),
        );
      }
      const transactions = await collect(running.source, { aggregateTypes: ['Transaction'] });
      assert.equal(transactions.length, 8);
      assert.ok(transactions.every((e) => e.type === 'TransactionRequested'));
    });

    test('ends at the heads of the call time, not at events appended meanwhile', async () => {
      const before = await running.store.heads();
      const events: LedgerEvent[] = [];
      for await (const page of running.source.replay({})) {
        if (events.length === 0) for (let i = 0; i < 4; i++) await seedAccount(running.store, 1);
        events.push(...page);
      }
      assert.equal(
        events.length,
        before.reduce((sum, head) => sum + head, 0),
      );
      for (const e of events) assert.ok(e.position.sequence <= before[e.position.partition]!);
    });

    test('heads() reports the head of every partition', async () => {
      assert.deepEqual(await running.source.heads(), await running.store.heads());
    });

    test('progress() reports heads, worker checkpoints, and when the first event after a checkpoint was written', async () => {
      const heads = await running.store.heads();
      assert.ok(await running.store.setCheckpoint('forwarder', 1, heads[1]! - 1, 1));
      assert.ok(await running.store.setCheckpoint('saga', 2, 1, 1));
      // Partition 0 is behind by all but one event, partition 3 has all of them, 1 and 2 ask nothing.
      const asked: number[] = [];
      asked[0] = 1;
      asked[3] = heads[3]!;
      const progress = await running.source.progress(asked);
      assert.deepEqual(
        progress.map(({ partition, head, forwarder, saga }) => ({ partition, head, forwarder, saga })),
        heads.map((head, partition) => ({
          partition,
          head,
          forwarder: partition === 1 ? head - 1 : 0,
          saga: partition === 2 ? 1 : 0,
        })),
      );
      const [second] = await running.store.readPartition(0, 1, 1);
      assert.equal(progress[0]!.nextOccurredAt, second!.occurredAt);
      assert.deepEqual(
        progress.slice(1).map((p) => p.nextOccurredAt),
        [null, null, null],
      );
    });
  });

  test(`${name}: a replay of 5,000 events arrives complete and in order`, async () => {
    const running = await start(100);
    try {
      for (let i = 0; i < 50; i++) await seedAccount(running.store, 99);
      const events = await collect(running.source, {});
      assert.equal(events.length, 5_000);
      assertPartitionOrder(events);
      assert.deepEqual(
        events.map((e) => e.eventId),
        await expected(running.store, {}),
      );
    } finally {
      await running.stop();
    }
  });

  describe(`${name} event source, consumers that stop early`, () => {
    const startLarge = async () => {
      const running = await start(100);
      for (let i = 0; i < 50; i++) await seedAccount(running.store, 99);
      return running;
    };
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

    test('breaking off the iteration stops the reads', async () => {
      const running = await startLarge();
      let seen = 0;
      for await (const _ of running.source.replay({})) if (++seen === 2) break;
      await sleep(200);
      const reads = running.reads();
      assert.ok(reads < 25, `read ${reads} of 50 pages for 2 pages`);
      await running.stop();
    });

    test('an aborted signal ends the iteration with an AbortError and stops the reads', async () => {
      const running = await startLarge();
      const controller = new AbortController();
      let seen = 0;
      await assert.rejects(
        async () => {
          for await (const _ of running.source.replay({}, controller.signal)) if (++seen === 2) controller.abort();
        },
        { name: 'AbortError' },
      );
      assert.equal(seen, 2);
      const again = running.source.replay({}, controller.signal)[Symbol.asyncIterator]();
      await assert.rejects(again.next(), { name: 'AbortError' }, 'an aborted signal refuses to start');
      await sleep(200);
      const reads = running.reads();
      assert.ok(reads < 25, `read ${reads} of 50 pages for 2 pages`);
      await running.stop();
    });
  });
}
