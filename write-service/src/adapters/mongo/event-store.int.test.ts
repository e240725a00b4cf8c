import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { UnavailableError, partitionOf } from '@ledger/platform';
import { engineUrl } from '@ledger/platform/testing';
import type { EventStore } from '../../ports/event-store.js';
import { defineEventStoreContract } from '../../ports/event-store.contract.js';
import { createMongoEventStore } from './event-store.js';
import type { MongoEventStoreOptions } from './event-store.js';
import { accountOpening } from '../../testing/appends.js';

const url = engineUrl('mongo');

if (url === null) {
  test('EventStore contract: mongo', { skip: 'MONGO_URL not set' }, () => undefined);
} else {
  // Every store gets a database of its own, dropped afterwards: tests and runs never share state.
  const admin = new MongoClient(url);
  const databases = new Set<string>();
  const freshDatabase = () => {
    const name = `ledger_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
    databases.add(name);
    return name;
  };
  /** MONGO_URL naming `database` (a database in the URL wins over the option, as in production). */
  const urlOf = (database: string) => url.replace(/^(mongodb(?:\+srv)?:\/\/[^/?#]*)\/?[^?#]*/, `$1/${database}`);
  const open = (database: string, options: Partial<MongoEventStoreOptions> = {}) =>
    createMongoEventStore({ url: urlOf(database), partitions: 4, serverSelectionTimeoutMs: 5_000, ...options });
  after(async () => {
    for (const name of databases) await admin.db(name).dropDatabase();
    await admin.close();
  });

  defineEventStoreContract('mongo', async () => {
    const database = freshDatabase();
    const store = await open(database);
    return {
      store,
      async cleanup() {
        await store.close();
        await admin.db(database).dropDatabase();
        databases.delete(database);
      },
    };
  });

  /** Resolves once `seen` holds `count` partitions, or fails after `ms`. */
  const waitFor = async (seen: number[], count: number, ms = 5_000) => {
    const deadline = Date.now() + ms;
    while (seen.length < count) {
      if (Date.now() > deadline) assert.fail(`expected ${count} wake-ups within ${ms} ms, saw ${seen.length}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  describe('mongo event store', () => {
    test('refuses to open a database created with another partition count', async () => {
      const database = freshDatabase();
      await (await open(database, { partitions: 4 })).close();
      await assert.rejects(open(database, { partitions: 8 }), /created with 4 partitions, not 8/);
      const again = await open(database, { partitions: 4 });
      assert.deepEqual(await again.heads(), [0, 0, 0, 0]);
      await again.close();
    });

    test('a database named in the URL wins over the database option', async () => {
      const named = freshDatabase();
      const store = await createMongoEventStore({ url: urlOf(named), database: 'ignored', partitions: 4 });
      try {
        await store.append(accountOpening());
        const collections = await admin.db(named).listCollections({ name: 'events' }).toArray();
        assert.equal(collections.length, 1);
      } finally {
        await store.close();
      }
    });

    test('stats count appends and the transaction runs redone after conflicts', async () => {
      const database = freshDatabase();
      const [one, two] = await Promise.all([open(database), open(database)]);
      try {
        // Two stores (two processes' worth of clients) appending to one partition at once conflict.
        const ids = Array.from({ length: 20 }, () => randomUUID());
        await Promise.all(ids.map((id, i) => (i % 2 === 0 ? one : two).append(accountOpening(id))));
        const stats = [one.stats(), two.stats()];
        assert.deepEqual(
          stats.map((s) => s.appends),
          [10, 10],
        );
        console.log(
          `# mongo append conflicts: ${stats.map((s) => s.transactionRetries).join(' + ')} retries in 20 appends`,
        );
      } finally {
        await Promise.all([one.close(), two.close()]);
      }
    });

    for (const mode of ['change stream', 'polling'] as const) {
      test(`wakes listeners for appends made by another process (${mode})`, async () => {
        const database = freshDatabase();
        const watching = await open(database, { changeStream: mode === 'change stream', pollMs: 50 });
        const other = await open(database);
        try {
          const seen: number[] = [];
          watching.onAppend((partition) => seen.push(partition));
          // No pause needed: the stream starts at the cluster time the store opened at, and polling
          // compares with heads it has announced (none yet).
          const id = randomUUID();
          await other.append(accountOpening(id));
          await waitFor(seen, 1);
          assert.deepEqual(seen, [partitionOf(id, watching.partitions)]);
        } finally {
          await other.close();
          await watching.close();
        }
      });
    }

    test('a local append wakes its listeners once, though the change stream reports it too', async () => {
      const database = freshDatabase();
      const store = await open(database);
      const other = await open(database);
      try {
        const seen: number[] = [];
        store.onAppend((partition) => seen.push(partition));
        const mine = randomUUID();
        await store.append(accountOpening(mine));
        assert.deepEqual(seen, [partitionOf(mine, store.partitions)]);
        // The stream delivers in commit order: once the other store's append wakes us, our own
        // insert has already come through the stream and must have been recognised.
        const theirs = randomUUID();
        await other.append(accountOpening(theirs));
        await waitFor(seen, 2);
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.deepEqual(seen, [partitionOf(mine, store.partitions), partitionOf(theirs, store.partitions)]);
      } finally {
        await other.close();
        await store.close();
      }
    });

    test('stores on one database appending at once keep every partition gap-free', async () => {
      const database = freshDatabase();
      const partitions = 2;
      const stores: EventStore[] = [];
      try {
        for (let i = 0; i < 3; i++) stores.push(await open(database, { partitions }));
        const perStore = 40;
        // Separate clients are separate sessions: their transactions really conflict on the counters.
        await Promise.all(
          stores.flatMap((store) => Array.from({ length: perStore }, () => store.append(accountOpening()))),
        );
        const heads = await stores[0]!.heads();
        assert.equal(
          heads.reduce((a, b) => a + b, 0),
          perStore * stores.length,
        );
        for (let p = 0; p < partitions; p++) {
          const events = await stores[1]!.readPartition(p, 0, 10_000);
          assert.deepEqual(
            events.map((e) => e.position.sequence),
            events.map((_, i) => i + 1),
            `partition ${p} has gaps`,
          );
          for (const e of events) assert.equal(partitionOf(e.aggregateId, partitions), p);
        }
      } finally {
        for (const store of stores) await store.close();
      }
    });
  });
}

// Needs no MongoDB: nothing listens on the discard port, so server selection fails fast.
test('an unreachable server fails the open as UNAVAILABLE, without the driver text in the message', async () => {
  await assert.rejects(
    createMongoEventStore({
      url: 'mongodb://127.0.0.1:9/?directConnection=true',
      partitions: 1,
      serverSelectionTimeoutMs: 200,
    }),
    (error: unknown) => {
      assert.ok(error instanceof UnavailableError);
      assert.equal(error.message, 'event store unavailable');
      assert.ok(error.cause instanceof Error);
      return true;
    },
  );
});
