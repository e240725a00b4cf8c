import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ConcurrencyError, partitionOf } from '@ledger/platform';
import { decodeEvent } from '@ledger/schema';
import type { AppendRequest, EventStore, NewEvent } from './event-store.js';
import { transactionRequest as requested, transactionSettlement as succeeded } from '../testing/appends.js';

export interface EventStoreUnderTest {
  readonly store: EventStore;
  /** Closes the store and removes what the test created. */
  cleanup(): Promise<void>;
}

const opened = (owner = 'Ada'): NewEvent => ({
  eventId: randomUUID(),
  type: 'AccountOpened',
  data: { owner },
  metadata: { correlationId: 'c-1' },
  occurredAt: new Date('2026-01-02T03:04:05.000Z').toISOString(),
});

const deposited = (balance: number): NewEvent => ({
  eventId: randomUUID(),
  type: 'MoneyDeposited',
  data: { amount: '1', balance: String(balance), transactionId: randomUUID(), kind: 'DEPOSIT', counterparty: null },
  metadata: {},
  occurredAt: new Date().toISOString(),
});

const account = (aggregateId: string, expectedVersion: number, events: NewEvent[]): AppendRequest => ({
  aggregateType: 'Account',
  aggregateId,
  expectedVersion,
  events,
});

/** Reads a whole partition in pages, checking order on the way. */
async function readAll(store: EventStore, partition: number) {
  const all = [];
  for (let after = 0; ;) {
    const page = await store.readPartition(partition, after, 7);
    if (page.length === 0) return all;
    all.push(...page);
    after = page.at(-1)!.position.sequence;
  }
}

/**
 * The behaviour every EventStore adapter must show; run it once per adapter. `make` is called for
 * every test and must return an empty store (e.g. a fresh file or database).
 */
export function defineEventStoreContract(name: string, make: () => Promise<EventStoreUnderTest>): void {
  const withStore = (fn: (store: EventStore) => Promise<void>) => async () => {
    const { store, cleanup } = await make();
    try {
      await fn(store);
    } finally {
      await cleanup();
    }
  };

  describe(`EventStore contract: ${name}`, () => {
    test(
      'appends and reads back by aggregate and by partition',
      withStore(async (store) => {
        const id = randomUUID();
        const first = opened();
        const result = await store.append(account(id, 0, [first, deposited(1)]));
        assert.equal(result.status, 'appended');
        assert.ok(result.status === 'appended');
        const partition = partitionOf(id, store.partitions);
        assert.deepEqual(
          result.events.map((e) => [e.version, e.position.partition]),
          [
            [1, partition],
            [2, partition],
          ],
        );
        assert.equal(result.events[1]!.position.sequence, result.events[0]!.position.sequence + 1);

        const read = await store.readAggregate(id);
        assert.deepEqual(read, result.events);
        assert.equal(read[0]!.eventId, first.eventId);
        assert.equal(read[0]!.aggregateType, 'Account');
        assert.equal(read[0]!.type, 'AccountOpened');
        assert.deepEqual(read[0]!.data, { owner: 'Ada' });
        assert.deepEqual(read[0]!.metadata, { correlationId: 'c-1' });
        assert.equal(read[0]!.occurredAt, '2026-01-02T03:04:05.000Z');
        assert.equal(read[0]!.schemaVersion, 1);
        assert.deepEqual(await store.readAggregate(id, 1), [result.events[1]]);
        assert.deepEqual(await store.readAggregate(randomUUID()), []);

        const inPartition = await store.readPartition(partition, 0, 100);
        assert.deepEqual(inPartition, result.events);
        assert.deepEqual(await store.readPartition(partition, 0, 1), [result.events[0]]);
        const heads = await store.heads();
        assert.equal(heads.length, store.partitions);
        assert.equal(heads[partition], result.events[1]!.position.sequence);
      }),
    );

    test(
      'refuses a stale or future expected version and writes nothing',
      withStore(async (store) => {
        const id = randomUUID();
        await store.append(account(id, 0, [opened()]));
        const headsBefore = await store.heads();
        for (const expected of [0, 2]) {
          await assert.rejects(store.append(account(id, expected, [deposited(1)])), (error: unknown) => {
            assert.ok(error instanceof ConcurrencyError);
            assert.equal(error.code, 'CONCURRENCY');
            assert.equal(error.expected, expected);
            assert.equal(error.actual, 1);
            return true;
          });
        }
        assert.equal((await store.readAggregate(id)).length, 1);
        assert.deepEqual(await store.heads(), headsBefore);
      }),
    );

    test(
      'reads events of an older schema version upcast to the current shape',
      withStore(async (store) => {
        const id = randomUUID();
        const v1: NewEvent = {
          ...deposited(1),
          schemaVersion: 1,
          data: { amount: '1', balance: '1', transactionId: 'tx-1' },
        };
        await store.append(account(id, 0, [opened(), v1]));
        for (const read of [
          await store.readAggregate(id, 1),
          await store.readPartition(partitionOf(id, store.partitions), 0, 100),
        ]) {
          const event = read.find((e) => e.eventId === v1.eventId)!;
          assert.equal(event.schemaVersion, 2);
          assert.deepEqual(event.data, {
            amount: '1',
            balance: '1',
            transactionId: 'tx-1',
            kind: null,
            counterparty: null,
          });
        }
        // A version 1 event that would not upcast to valid data is refused like any invalid event.
        const broken: NewEvent = {
          ...v1,
          eventId: randomUUID(),
          data: { amount: 'x', balance: '1', transactionId: 't' },
        };
        await assert.rejects(store.append(account(id, 2, [broken])));
      }),
    );

    test(
      'reads a partition in wire form as the events readPartition gives, once decoded',
      withStore(async (store) => {
        const id = randomUUID();
        const v1: NewEvent = {
          ...deposited(1),
          schemaVersion: 1,
          data: { amount: '1', balance: '1', transactionId: 'tx-1' },
        };
        await store.append(account(id, 0, [{ ...opened(), metadata: { correlationId: 'c-1', actor: 'ada' } }, v1]));
        await store.append(account(id, 2, [deposited(2), deposited(3)]));
        const partition = partitionOf(id, store.partitions);
        for (const [after, limit] of [
          [0, 100],
          [1, 2],
          [4, 100],
        ] as const) {
          const wire = await store.readPartitionWire(partition, after, limit);
          assert.deepEqual(wire.map(decodeEvent), await store.readPartition(partition, after, limit));
        }
        assert.deepEqual(await store.readPartitionWire(partition, 0, 0), []);
      }),
    );

    test(
      'refuses invalid event data and writes nothing',
      withStore(async (store) => {
        const id = randomUUID();
        const bad: NewEvent = { ...opened(), data: { owner: '' } };
        await assert.rejects(store.append(account(id, 0, [bad])));
        assert.deepEqual(await store.readAggregate(id), []);
      }),
    );

    test(
      "appends a follow-up right after its lead, with the lead's positions added to its first event",
      withStore(async (store) => {
        const transactionId = randomUUID();
        await store.append(requested(transactionId));
        const accountId = randomUUID();
        await store.append(account(accountId, 0, [opened()]));
        const result = await store.append({
          ...account(accountId, 1, [deposited(1)]),
          followedBy: succeeded(transactionId, 1, ['0:7']),
        });
        assert.ok(result.status === 'appended');
        const [step] = result.events;
        const followedBy = result.followedBy;
        assert.ok(followedBy?.status === 'appended');
        const stepPosition = `${step!.position.partition}:${step!.position.sequence}`;
        assert.deepEqual(followedBy.events[0]!.data, { positions: ['0:7', stepPosition] });
        assert.deepEqual(await store.readAggregate(transactionId, 1), followedBy.events);
        assert.equal(followedBy.events[0]!.version, 2);
        const partition = followedBy.events[0]!.position.partition;
        assert.deepEqual((await store.readPartition(partition, 0, 100)).at(-1), followedBy.events[0]);
        assert.equal((await store.heads())[partition], followedBy.events[0]!.position.sequence);
      }),
    );

    test(
      'a follow-up whose aggregate moved on fails alone; a lead that appends nothing new takes none',
      withStore(async (store) => {
        const transactionId = randomUUID();
        await store.append(requested(transactionId));
        await store.append(succeeded(transactionId, 1, []));
        const accountId = randomUUID();
        await store.append(account(accountId, 0, [opened()]));
        const key = { key: `k-${randomUUID()}`, fingerprint: 'f', result: '{}' };
        const lead = { ...account(accountId, 1, [deposited(1)]), idempotency: key };
        const first = await store.append({ ...lead, followedBy: succeeded(transactionId, 1, []) });
        assert.ok(first.status === 'appended');
        assert.equal(first.followedBy?.status, 'failed');
        assert.equal((await store.readAggregate(accountId)).length, 2);
        assert.equal((await store.readAggregate(transactionId)).length, 2);
        // The lead's key recorded before: nothing is written, the follow-up neither.
        const again = await store.append({ ...lead, followedBy: succeeded(transactionId, 2, []) });
        assert.equal(again.status, 'duplicate');
        assert.equal((await store.readAggregate(transactionId)).length, 2);
        // An invalid follow-up is refused with its lead, before anything is written.
        const bad = succeeded(transactionId, 2, []);
        await assert.rejects(
          store.append({
            ...account(accountId, 2, [deposited(2)]),
            followedBy: { ...bad, events: [{ ...bad.events[0]!, data: { positions: 'x' } }] },
          }),
        );
        assert.equal((await store.readAggregate(accountId)).length, 2);
      }),
    );

    test(
      'keeps sequences gap-free and versions exact under many concurrent appends',
      withStore(async (store) => {
        const ids = Array.from({ length: 40 }, () => randomUUID());
        await Promise.all(ids.map((id) => store.append(account(id, 0, [opened()]))));
        // Five writers race on every aggregate at version 1: exactly one wins each time.
        const outcomes = await Promise.allSettled(
          ids.flatMap((id) => Array.from({ length: 5 }, () => store.append(account(id, 1, [deposited(1)])))),
        );
        const won = outcomes.filter((o) => o.status === 'fulfilled').length;
        assert.equal(won, ids.length);
        for (const o of outcomes) {
          if (o.status === 'rejected') assert.ok(o.reason instanceof ConcurrencyError);
        }
        const heads = await store.heads();
        let total = 0;
        for (let p = 0; p < store.partitions; p++) {
          const events = await readAll(store, p);
          assert.deepEqual(
            events.map((e) => e.position.sequence),
            events.map((_, i) => i + 1),
            `partition ${p} has gaps`,
          );
          assert.equal(heads[p], events.length);
          for (const e of events) assert.equal(e.position.partition, partitionOf(e.aggregateId, store.partitions));
          total += events.length;
        }
        assert.equal(total, ids.length * 2);
        for (const id of ids) {
          assert.deepEqual(
            (await store.readAggregate(id)).map((e) => e.version),
            [1, 2],
          );
        }
      }),
    );

    test(
      'an idempotency key is recorded with its events; a duplicate returns the first record and writes nothing',
      withStore(async (store) => {
        const key = `k-${randomUUID()}`;
        const record = { key, fingerprint: 'f1', result: '{"n":1}' };
        const id = randomUUID();
        const first = await store.append({ ...account(id, 0, [opened()]), idempotency: record });
        assert.equal(first.status, 'appended');
        assert.deepEqual(await store.findIdempotency(key), record);
        assert.equal(await store.findIdempotency(`other-${key}`), null);

        const headsBefore = await store.heads();
        const other = randomUUID();
        const again = await store.append({
          ...account(other, 0, [opened()]),
          idempotency: { key, fingerprint: 'f2', result: '{"n":2}' },
        });
        assert.deepEqual(again, { status: 'duplicate', record });
        // The key is checked before the version: a stale retry of the same command is a duplicate.
        const stale = await store.append({ ...account(id, 0, [opened()]), idempotency: record });
        assert.deepEqual(stale, { status: 'duplicate', record });
        assert.deepEqual(await store.readAggregate(other), []);
        assert.deepEqual(await store.heads(), headsBefore);
      }),
    );

    test(
      'concurrent appends with one key: exactly one is written',
      withStore(async (store) => {
        const key = `k-${randomUUID()}`;
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            store.append({
              ...account(randomUUID(), 0, [opened()]),
              idempotency: { key, fingerprint: 'f', result: String(i) },
            }),
          ),
        );
        assert.equal(results.filter((r) => r.status === 'appended').length, 1);
        const total = (await store.heads()).reduce((sum, head) => sum + head, 0);
        assert.equal(total, 1);
      }),
    );

    test(
      'a failed append records no idempotency key',
      withStore(async (store) => {
        const id = randomUUID();
        const key = `k-${randomUUID()}`;
        await assert.rejects(
          store.append({ ...account(id, 3, [opened()]), idempotency: { key, fingerprint: 'f', result: '' } }),
          ConcurrencyError,
        );
        assert.equal(await store.findIdempotency(key), null);
      }),
    );

    test(
      'saves and loads snapshots, keeping the newest',
      withStore(async (store) => {
        const id = randomUUID();
        assert.equal(await store.loadSnapshot(id), null);
        const snapshot = { aggregateId: id, aggregateType: 'Account', version: 100, state: '{"balance":"5"}' };
        await store.saveSnapshot(snapshot);
        assert.deepEqual(await store.loadSnapshot(id), snapshot);
        await store.saveSnapshot({ ...snapshot, version: 50, state: '{}' });
        assert.deepEqual(await store.loadSnapshot(id), snapshot);
        const newer = { ...snapshot, version: 200, state: '{"balance":"7"}' };
        await store.saveSnapshot(newer);
        assert.deepEqual(await store.loadSnapshot(id), newer);
      }),
    );

    test(
      'checkpoints move forward only, under the newest fencing token',
      withStore(async (store) => {
        assert.equal(await store.getCheckpoint('saga', 0), 0);
        assert.equal(await store.setCheckpoint('saga', 0, 5, 1), true);
        assert.equal(await store.setCheckpoint('saga', 0, 5, 1), true);
        assert.equal(await store.setCheckpoint('saga', 0, 3, 1), false, 'sequence went back');
        assert.equal(await store.setCheckpoint('saga', 0, 9, 2), true);
        assert.equal(await store.setCheckpoint('saga', 0, 12, 1), false, 'an older token is fenced off');
        assert.equal(await store.getCheckpoint('saga', 0), 9);
        // Workers and partitions are independent.
        assert.equal(await store.getCheckpoint('forwarder', 0), 0);
        assert.equal(await store.getCheckpoint('saga', 1), 0);
        assert.equal(await store.setCheckpoint('forwarder', 0, 1, 1), true);
      }),
    );

    test(
      'heads starts at zero for every partition',
      withStore(async (store) => {
        assert.deepEqual(await store.heads(), new Array(store.partitions).fill(0));
      }),
    );

    test(
      'onAppend wakes listeners with the partition after a commit, until unsubscribed',
      withStore(async (store) => {
        const seen: number[] = [];
        const unsubscribe = store.onAppend((partition) => seen.push(partition));
        const id = randomUUID();
        await store.append(account(id, 0, [opened()]));
        await assert.rejects(store.append(account(id, 0, [opened()])));
        await new Promise((resolve) => setImmediate(resolve));
        assert.deepEqual(seen, [partitionOf(id, store.partitions)]);
        unsubscribe();
        await store.append(account(randomUUID(), 0, [opened()]));
        await new Promise((resolve) => setImmediate(resolve));
        assert.equal(seen.length, 1);
      }),
    );
  });
}
