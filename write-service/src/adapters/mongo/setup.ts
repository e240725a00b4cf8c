import type { Db, MongoClient, Timestamp } from 'mongodb';
import { COLLECTIONS } from './documents.js';
import type { EventDocument, MetaDocument, PartitionDocument } from './documents.js';
import { isDuplicateKey } from './errors.js';

const NAMESPACE_EXISTS = 48;

/**
 * Multi-document transactions and change streams need a replica set (or a sharded cluster). A
 * standalone server accepts the connection and the setup, then refuses the first append, so it is
 * refused here, with what to do about it.
 */
export async function requireReplicaSet(db: Db): Promise<void> {
  const hello = await db.admin().command({ hello: 1 });
  if (typeof hello.setName === 'string' || hello.msg === 'isdbgrid') return;
  throw new Error(
    'MongoDB is a standalone server, not a replica set: the event store needs transactions and change streams. ' +
      'Start mongod with --replSet rs0, run rs.initiate() once, and name the set in MONGO_URL (?replicaSet=rs0).',
  );
}

/** The database a connection string names (`mongodb://host/<db>?...`), or undefined. */
export function databaseInUrl(url: string): string | undefined {
  const path = /^mongodb(?:\+srv)?:\/\/[^/?#]*\/([^?#]*)/.exec(url)?.[1];
  return path ? decodeURIComponent(path) : undefined;
}

/**
 * Makes the database ready for appends; safe to run from several processes at once. Collections
 * are created up front because a transaction should not be the one to create them, and every
 * partition gets its counter document so appends only ever update it. Returns the cluster time the
 * store opened at (undefined where the server reports none), from which a change stream starts.
 */
export async function prepareDatabase(client: MongoClient, db: Db, partitions: number): Promise<Timestamp | undefined> {
  const existing = new Set(
    (await db.listCollections({}, { nameOnly: true }).toArray()).map((collection) => collection.name),
  );
  for (const name of Object.values(COLLECTIONS)) {
    if (existing.has(name)) continue;
    await db.createCollection(name).catch((error: unknown) => {
      if ((error as { code?: unknown }).code !== NAMESPACE_EXISTS) throw error;
    });
  }
  await db.collection<EventDocument>(COLLECTIONS.events).createIndexes([
    { key: { aggregateId: 1, version: 1 }, name: 'aggregate_version', unique: true },
    { key: { partition: 1, sequence: 1 }, name: 'partition_sequence', unique: true },
  ]);

  const openedAt = await guardPartitionCount(client, db, partitions);

  const counters = db.collection<PartitionDocument>(COLLECTIONS.partitions);
  await counters
    .bulkWrite(
      Array.from({ length: partitions }, (_, partition) => ({
        updateOne: { filter: { _id: partition }, update: { $setOnInsert: { sequence: 0 } }, upsert: true },
      })),
      { ordered: false },
    )
    .catch(ignoreDuplicateKey);
  return openedAt;
}

/** The first opener records the partition count; any later opener must bring the same one. */
async function guardPartitionCount(client: MongoClient, db: Db, partitions: number): Promise<Timestamp | undefined> {
  const meta = db.collection<MetaDocument>(COLLECTIONS.meta);
  await meta.updateOne({ _id: 'store' }, { $setOnInsert: { partitions } }, { upsert: true }).catch(ignoreDuplicateKey);
  // Read in an explicit (causally consistent) session: the driver records the read's cluster time on it.
  const { recorded, openedAt } = await client.withSession(async (session) => ({
    recorded: await meta.findOne({ _id: 'store' }, { session }),
    openedAt: session.operationTime,
  }));
  if (recorded?.partitions !== partitions) {
    throw new Error(
      `event store database ${db.databaseName} was created with ${recorded?.partitions} partitions, not ${partitions}`,
    );
  }
  return openedAt;
}

// Two processes upserting the same new document: one inserts, the other's insert is a duplicate.
function ignoreDuplicateKey(error: unknown): void {
  if (!isDuplicateKey(error)) throw error;
}
