// One run of `npm run bench:writer`, in a process of its own so that its CPU time and its writes
// (/proc/self/io) are the writer's alone: `node bench-writer-run.js CHECKOUT PARTITIONS BATCHES
// SETTLEMENTS` loads the store's writer of the checkout's build and prints one JSON line. SETTLEMENTS is
// `follow-up` (a settlement rides on its step's append, as the saga sends it since 7d89037) or
// `separate` (an append of its own, as before; for builds whose writer knows no follow-up).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** What the run uses of a build's SQLite store: the writer, the tables, the partition and id rules. */
interface StoreBuild {
  createStoreWriter(db: unknown, noFsyncCheckpoints: unknown): { write(batch: Batch): { appends: Outcome[] } };
  openStoreConnection(path: string, synchronous: 'FULL' | 'NORMAL', busyTimeoutMs: number): SqliteConnection;
  SCHEMA: string;
  partitionOf(id: string, partitions: number): number;
  timeOrderedId(): string;
}
interface SqliteConnection {
  exec(sql: string): void;
  prepare(sql: string): { run(...values: unknown[]): unknown };
  close(): void;
}
interface AppendRequest {
  readonly aggregateType: string;
  readonly aggregateId: string;
  readonly expectedVersion: number;
  readonly events: object[];
  readonly idempotency?: { key: string; fingerprint: string; result: string };
  readonly followedBy?: AppendRequest;
}
interface Append {
  readonly partition: number;
  readonly request: AppendRequest;
  readonly followUpPartition?: number;
}
/** An append's outcome; a writer that knows follow-ups says what became of one. */
type Outcome = { readonly result: { readonly followedBy?: { readonly status: string } } } | { readonly error: unknown };
interface Batch {
  readonly appends: Append[];
  readonly checkpoints: Array<{ worker: string; partition: number; sequence: number; token: number }>;
  readonly snapshots: [];
}

const [checkout, partitionsText, batchesText, settlements = 'follow-up'] = process.argv.slice(2);
const partitions = Number(partitionsText);
const batches = Number(batchesText);
const followUps = settlements === 'follow-up';
const load = async (path: string): Promise<Partial<StoreBuild>> =>
  (await import(pathToFileURL(join(checkout!, path)).href)) as Partial<StoreBuild>;
const build = {
  ...(await load('write-service/dist/adapters/sqlite/writer.js')),
  ...(await load('write-service/dist/adapters/sqlite/schema.js')),
  ...(await load('platform/dist/partition.js')),
  ...(await load('write-service/dist/application/ids.js')),
} as StoreBuild;

const ACCOUNTS = 100;
const DEPOSITS_A_BATCH = 10;
const dir = mkdtempSync(join(tmpdir(), 'ledger-bench-writer-'));
const file = join(dir, 'events.db');
const db = build.openStoreConnection(file, 'FULL', 5_000);
db.exec(build.SCHEMA);
db.prepare(`INSERT INTO store_meta (key, value) VALUES ('partitions', ?)`).run(String(partitions));
const noFsync = build.openStoreConnection(file, 'NORMAL', 5_000);
const writer = build.createStoreWriter(db, noFsync);

const event = (type: string, data: object, metadata: object) => ({
  eventId: build.timeOrderedId(),
  type,
  data,
  metadata,
  occurredAt: new Date().toISOString(),
});
const write = (batch: Batch): void => {
  const outcomes = writer.write(batch).appends;
  const failed = outcomes.filter((outcome) => !('result' in outcome)).length;
  if (failed > 0) throw new Error(`${failed} appends of a batch failed`);
  const unfollowed = batch.appends.filter((append, i) => {
    const outcome = outcomes[i]!;
    return append.request.followedBy && !('result' in outcome && outcome.result.followedBy?.status === 'appended');
  }).length;
  if (unfollowed > 0) {
    console.error(
      `bench:writer: the store's writer in ${checkout} did not append ${unfollowed} settlements that rode on their steps: it knows no follow-ups (a build from before 7d89037); run with --settlements separate`,
    );
    process.exit(2);
  }
};

/** An append of one event to transaction `transactionId`. */
const transactionRequest = (
  transactionId: string,
  expectedVersion: number,
  type: string,
  data: object,
): AppendRequest => ({
  aggregateType: 'Transaction',
  aggregateId: transactionId,
  expectedVersion,
  events: [event(type, data, { correlationId: transactionId })],
});

const accounts = Array.from({ length: ACCOUNTS }, () => ({ id: randomUUID(), version: 1, balance: 0 }));
write({
  appends: accounts.map(({ id }) => ({
    partition: build.partitionOf(id, partitions),
    request: {
      aggregateType: 'Account',
      aggregateId: id,
      expectedVersion: 0,
      events: [event('AccountOpened', { owner: 'bench' }, {})],
    },
  })),
  checkpoints: [],
  snapshots: [],
});

// Each batch holds what a turn of `ledger all` sends at saturation: ten deposits requested, the saga's
// step and settlement of the ten before (the settlement riding on the step, or apart), and the saga's
// and the forwarder's checkpoints of every partition those touched.
const checkpointed = new Array<number>(partitions).fill(0);
let requested: Array<{ transactionId: string; account: (typeof accounts)[number] }> = [];
let next = 0;
const started = process.cpuUsage();
for (let b = 0; b < batches; b++) {
  const appends: Append[] = [];
  const touched = new Set<number>();
  const transaction = (transactionId: string, expectedVersion: number, type: string, data: object): Append => ({
    partition: build.partitionOf(transactionId, partitions),
    request: transactionRequest(transactionId, expectedVersion, type, data),
  });
  const asked = Array.from({ length: DEPOSITS_A_BATCH }, () => ({
    transactionId: build.timeOrderedId(),
    account: accounts[(next++ * 37) % ACCOUNTS]!,
  }));
  for (const { transactionId, account } of asked) {
    appends.push(
      transaction(transactionId, 0, 'TransactionRequested', {
        kind: 'DEPOSIT',
        from: null,
        to: account.id,
        amount: '1',
      }),
    );
  }
  for (const { transactionId, account } of requested) {
    const key = `${transactionId}/deposit`;
    const settlement = transactionRequest(transactionId, 1, 'TransactionSucceeded', { positions: [] });
    appends.push({
      partition: build.partitionOf(account.id, partitions),
      ...(followUps && { followUpPartition: build.partitionOf(transactionId, partitions) }),
      request: {
        aggregateType: 'Account',
        aggregateId: account.id,
        expectedVersion: account.version++,
        events: [
          event(
            'MoneyDeposited',
            { amount: '1', transactionId, kind: 'DEPOSIT', counterparty: null, balance: String(++account.balance) },
            { idempotencyKey: key, correlationId: transactionId },
          ),
        ],
        idempotency: { key, fingerprint: '0'.repeat(64), result: '{}' },
        ...(followUps && { followedBy: settlement }),
      },
    });
    if (!followUps) appends.push({ partition: build.partitionOf(transactionId, partitions), request: settlement });
  }
  for (const append of appends) {
    touched.add(append.partition);
    if (append.followUpPartition !== undefined) touched.add(append.followUpPartition);
  }
  const checkpoints = [...touched].flatMap((partition) => {
    checkpointed[partition]! += 1;
    return ['saga', 'forwarder'].map((worker) => ({ worker, partition, sequence: checkpointed[partition]!, token: 1 }));
  });
  write({ appends, checkpoints, snapshots: [] });
  requested = asked;
}
const used = process.cpuUsage(started);
const io = Object.fromEntries(
  readFileSync('/proc/self/io', 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(': ') as [string, string])
    .map(([name, value]) => [name, Number(value)]),
) as Record<string, number>;
noFsync.close();
db.close();
rmSync(dir, { recursive: true, force: true });
const deposits = batches * DEPOSITS_A_BATCH;
console.log(
  JSON.stringify({
    cpuUsPerDeposit: Number(((used.user + used.system) / deposits).toFixed(1)),
    systemUsPerDeposit: Number((used.system / deposits).toFixed(1)),
    kibWrittenPerDeposit: Number((io.wchar! / deposits / 1024).toFixed(1)),
    writeCallsPerDeposit: Number((io.syscw! / deposits).toFixed(1)),
  }),
);
