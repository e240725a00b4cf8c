import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { UnavailableError } from '@ledger/platform';
import type { LedgerEvent } from '@ledger/schema';
import { createCommandService, createGrpcServer, createSqliteEventStore } from '@ledger/write-service';
import type { EventStore, GrpcServer, NewEvent } from '@ledger/write-service';
import type { EventSource, ReplayRequest } from '../../ports/event-source.js';
import { createGrpcEventSource } from './event-source.js';

const PARTITIONS = 4;

const event = (type: string, data: unknown): NewEvent => ({
  eventId: randomUUID(),
  type,
  data,
  metadata: { correlationId: 'c-1' },
  occurredAt: new Date().toISOString(),
});

const deposit = { amount: '1', kind: 'DEPOSIT', counterparty: null };

/** An account opened, then `deposits` deposits of 1, appended in one go. */
async function seedAccount(store: EventStore, deposits: number): Promise<string> {
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

async function collect(source: EventSource, request: ReplayRequest): Promise<LedgerEvent[]> {
  const events: LedgerEvent[] = [];
  for await (const page of source.replay(request)) events.push(...page);
  return events;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function assertPartitionOrder(events: readonly LedgerEvent[]): void {
  for (let i = 1; i < events.length; i++) {
    const [a, b] = [events[i - 1]!.position, events[i]!.position];
    assert.ok(a.partition < b.partition || (a.partition === b.partition && a.sequence < b.sequence));
  }
}

interface Running {
  readonly store: EventStore;
  readonly server: GrpcServer;
  readonly source: EventSource;
  /** Store reads the server made (the store decorated with a counter). */
  reads(): number;
}

async function start(pageSize = 100, shutdownTimeoutMs = 500): Promise<Running> {
  const store = createSqliteEventStore({ path: ':memory:', partitions: PARTITIONS, synchronous: 'NORMAL' });
  let reads = 0;
  const counted: EventStore = {
    ...store,
    readPartitionWire: (p, afterSequence, limit) => {
      reads++;
      return store.readPartitionWire(p, afterSequence, limit);
    },
  };
  const commands = createCommandService({ store });
  const server = createGrpcServer({ commands, store: counted, replayPageSize: pageSize, shutdownTimeoutMs });
  const port = await server.listen('127.0.0.1:0');
  const source = createGrpcEventSource({ address: `127.0.0.1:${port}` });
  return { store, server, source, reads: () => reads };
}

async function stop(running: Running): Promise<void> {
  await running.source.close();
  await running.server.close();
  await running.store.close();
}

describe('gRPC event source over several partitions', () => {
  let running: Running;
  before(async () => {
    running = await start(3);
    for (let i = 0; i < 12; i++) await seedAccount(running.store, i % 4);
    for (let i = 0; i < 8; i++) await seedTransaction(running.store);
    const heads = await running.store.heads();
    assert.ok(
      heads.every((head) => head > 0),
      'every partition holds events',
    );
  });
  after(() => stop(running));

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

test('a replay of 5,000 events arrives complete and in order', async () => {
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
    await stop(running);
  }
});

/**
 * Consumers that stop early. The server's shutdown waits for running calls up to its deadline,
 * so a quick close() shows that the server saw the cancellation and ended the replay.
 */
describe('gRPC event source cancellation', () => {
  const SHUTDOWN_MS = 3_000;
  const startLarge = async () => {
    const running = await start(100, SHUTDOWN_MS);
    for (let i = 0; i < 50; i++) await seedAccount(running.store, 99);
    return running;
  };
  const stopQuickly = async (running: Running) => {
    const started = Date.now();
    await stop(running);
    assert.ok(Date.now() - started < SHUTDOWN_MS / 3, 'no replay left running on the server');
  };

  test('breaking off the iteration cancels the replay on the server', async () => {
    const running = await startLarge();
    let seen = 0;
    for await (const _ of running.source.replay({})) if (++seen === 2) break;
    await sleep(200);
    const reads = running.reads();
    assert.ok(reads < 25, `read ${reads} of 50 pages for 2 pages`);
    await stopQuickly(running);
  });

  test('an aborted signal ends the iteration with an AbortError and cancels the replay', async () => {
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
    await stopQuickly(running);
  });
});

test('a source whose server is gone fails with UnavailableError', async () => {
  const running = await start();
  await running.server.close();
  await assert.rejects(running.source.heads(), UnavailableError);
  await assert.rejects(collect(running.source, {}), UnavailableError);
  await running.source.close();
  await running.store.close();
});
