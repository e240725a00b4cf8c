import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { ValidationError } from '@ledger/platform';
import { auditToGrpc, ledgerErrorFromGrpc, loadLedgerProto, serviceSecretInterceptor } from '@ledger/schema';
import type { EventStoreClient, GrpcEventOutput } from '@ledger/schema';
import { createSqliteEventStore } from '../../adapters/sqlite/event-store.js';
import { createCommandService } from '../../application/command-service.js';
import type { EventStore, NewEvent } from '../../ports/event-store.js';
import { createGrpcServer } from './server.js';
import type { GrpcServer } from './server.js';

const deposited = (balance: number): NewEvent => ({
  eventId: randomUUID(),
  type: 'MoneyDeposited',
  data: { amount: '1', balance: String(balance), transactionId: randomUUID(), kind: 'DEPOSIT', counterparty: null },
  metadata: { correlationId: 'c-7' },
  occurredAt: new Date().toISOString(),
});

/** One account of `1 + deposits` events, appended at once. */
async function seedAccount(store: EventStore, deposits: number): Promise<string> {
  const id = randomUUID();
  const opened: NewEvent = { ...deposited(0), type: 'AccountOpened', data: { owner: 'Ada' } };
  const events = [opened, ...Array.from({ length: deposits }, (_, i) => deposited(i + 1))];
  await store.append({ aggregateType: 'Account', aggregateId: id, expectedVersion: 0, events });
  return id;
}

interface Running {
  readonly store: EventStore;
  readonly server: GrpcServer;
  readonly client: EventStoreClient;
  reads(): number;
}

async function start(options: { pageSize?: number; shutdownTimeoutMs?: number } = {}): Promise<Running> {
  const store = createSqliteEventStore({ path: ':memory:', partitions: 2, synchronous: 'NORMAL' });
  let reads = 0;
  const counted: EventStore = {
    ...store,
    readPartitionWire: (...args) => {
      reads++;
      return store.readPartitionWire(...args);
    },
  };
  const server = createGrpcServer({
    commands: createCommandService({ store }),
    store: counted,
    replayPageSize: options.pageSize ?? 50,
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? 1_000,
  });
  const port = await server.listen('127.0.0.1:0');
  const client = new (loadLedgerProto().ledger.v1.EventStore)(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return { store, server, client, reads: () => reads };
}

async function stop({ store, server, client }: Running): Promise<void> {
  client.close();
  await server.close();
  await store.close();
}

const getEvents = (client: EventStoreClient, aggregateId: string) =>
  new Promise<GrpcEventOutput[]>((resolve, reject) =>
    client.getEvents({ aggregateId }, (error, reply) => (error ? reject(error) : resolve(reply!.events))),
  );

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('EventStore gRPC service', () => {
  let running: Running;
  before(async () => {
    running = await start();
  });
  after(() => stop(running));

  test('GetEvents returns every event of one aggregate by version, data and metadata as JSON', async () => {
    const id = await seedAccount(running.store, 3);
    await seedAccount(running.store, 2);
    const events = await getEvents(running.client, id);
    const stored = await running.store.readAggregate(id);
    assert.deepEqual(
      events.map((e) => [e.eventId, e.version, e.type, e.partition, e.sequence]),
      stored.map((e) => [e.eventId, e.version, e.type, e.position.partition, e.position.sequence]),
    );
    assert.deepEqual(JSON.parse(events[1]!.dataJson), stored[1]!.data);
    assert.deepEqual(JSON.parse(events[1]!.metadataJson), { correlationId: 'c-7' });
    assert.deepEqual(await getEvents(running.client, randomUUID()), []);
  });

  test('bad requests are INVALID_ARGUMENT carrying the ledger code', async () => {
    const missing = await getEvents(running.client, '').catch((e: unknown) => e as grpc.ServiceError);
    assert.equal((missing as grpc.ServiceError).code, grpc.status.INVALID_ARGUMENT);
    assert.deepEqual((missing as grpc.ServiceError).metadata.get('ledger-error-code'), ['VALIDATION']);

    const replay = running.client.replay({ partitions: [1, 2] });
    const error = await new Promise<grpc.ServiceError>((resolve) => {
      replay.on('data', () => {});
      replay.on('error', resolve);
    });
    assert.equal(error.code, grpc.status.INVALID_ARGUMENT);
    assert.ok(ledgerErrorFromGrpc(error) instanceof ValidationError);
    assert.match(error.details, /partition 2 is out of range 0\.\.1/);
  });
});

test('a replay reads the store only as fast as the client takes events', async () => {
  const running = await start({ pageSize: 50 });
  try {
    for (let i = 0; i < 40; i++) await seedAccount(running.store, 249); // 10,000 events, 200 pages
    const call = running.client.replay({});
    let received = 0;
    call.on('data', () => {
      if (++received === 1) call.pause(); // a client that stops reading
    });
    const ended = new Promise<void>((resolve, reject) => {
      call.on('end', resolve);
      call.on('error', reject);
    });
    await sleep(500);
    const whilePaused = running.reads();
    await sleep(300);
    assert.equal(running.reads(), whilePaused, 'the server waits while the client does not read');
    assert.ok(whilePaused < 100, `read ${whilePaused} of 200 pages for a paused client`);
    call.resume();
    await ended;
    assert.equal(received, 10_000);
  } finally {
    await stop(running);
  }
});

test('a replay that fails in the store ends masked as INTERNAL', async () => {
  const running = await start();
  await seedAccount(running.store, 10);
  await running.store.close();
  const call = running.client.replay({});
  const error = await new Promise<grpc.ServiceError>((resolve) => {
    call.on('data', () => {});
    call.on('error', resolve);
  });
  assert.equal(error.code, grpc.status.INTERNAL);
  assert.equal(error.details, 'internal error');
  await stop(running);
});

test('close() cuts a replay that does not finish within the shutdown deadline', async () => {
  const running = await start({ pageSize: 50, shutdownTimeoutMs: 200 });
  for (let i = 0; i < 10; i++) await seedAccount(running.store, 999);
  const call = running.client.replay({});
  call.once('data', () => call.pause());
  const failed = new Promise<grpc.ServiceError>((resolve) => call.on('error', resolve));
  await sleep(100);
  const started = Date.now();
  await running.server.close();
  assert.ok(Date.now() - started < 1_000);
  call.resume();
  assert.notEqual((await failed).code, grpc.status.OK);
  await stop(running);
});

test('with a service secret, a call without it ends UNAUTHENTICATED before its handler runs, whatever actor it names', async () => {
  const secret = 'the-deployment-service-secret-0123456789';
  const store = createSqliteEventStore({ path: ':memory:', partitions: 2, synchronous: 'NORMAL' });
  const server = createGrpcServer({
    commands: createCommandService({ store, requireActor: true }),
    store,
    serviceSecret: secret,
  });
  const address = `127.0.0.1:${await server.listen('127.0.0.1:0')}`;
  const proto = loadLedgerProto().ledger.v1;
  const clients = (interceptors: grpc.Interceptor[]) => ({
    commands: new proto.CommandService(address, grpc.credentials.createInsecure(), { interceptors }),
    events: new proto.EventStore(address, grpc.credentials.createInsecure(), { interceptors }) as EventStoreClient,
  });
  const open = (client: ReturnType<typeof clients>['commands']) =>
    new Promise<{ accountId: string }>((resolve, reject) => {
      const metadata = new grpc.Metadata();
      metadata.set('ledger-actor', 'mallory');
      client.openAccount({ owner: 'mallory', correlationId: '' }, metadata, (error, reply) =>
        error ? reject(error) : resolve(reply!),
      );
    });
  const replayed = (client: EventStoreClient) =>
    new Promise<number>((resolve, reject) => {
      let events = 0;
      const call = client.replayPages({ fromPositions: {}, toPositions: {}, partitions: [], aggregateTypes: [] });
      call.on('data', (page: { events: unknown[] }) => (events += page.events.length));
      call.on('error', reject);
      call.on('end', () => resolve(events));
    });
  const unauthenticated = (error: unknown) => {
    assert.equal((error as grpc.ServiceError).code, grpc.status.UNAUTHENTICATED);
    assert.match((error as grpc.ServiceError).details, /LEDGER_SERVICE_SECRET/);
    return true;
  };
  const outsiders = [clients([]), clients([serviceSecretInterceptor('not-the-secret-but-as-long-as-it-0123')])];
  const insider = clients([serviceSecretInterceptor(secret)]);
  try {
    for (const outsider of outsiders) {
      await assert.rejects(open(outsider.commands), unauthenticated);
      await assert.rejects(getEvents(outsider.events, randomUUID()), unauthenticated);
      await assert.rejects(replayed(outsider.events), unauthenticated);
    }
    assert.deepEqual(await store.heads(), [0, 0], 'nothing was written');
    const { accountId } = await open(insider.commands);
    const [opened] = await getEvents(insider.events, accountId);
    assert.equal(opened!.type, 'AccountOpened');
    assert.equal(await replayed(insider.events), 1, 'the replay reads the one event');
  } finally {
    for (const { commands, events } of [...outsiders, insider]) {
      commands.close();
      events.close();
    }
    await server.close();
    await store.close();
  }
});

test('the actor a call names reaches the events as it was, whatever its characters', async () => {
  const store = createSqliteEventStore({ path: ':memory:', partitions: 2, synchronous: 'NORMAL' });
  const server = createGrpcServer({ commands: createCommandService({ store, requireActor: true }), store });
  const address = `127.0.0.1:${await server.listen('127.0.0.1:0')}`;
  const client = new (loadLedgerProto().ledger.v1.CommandService)(address, grpc.credentials.createInsecure());
  try {
    for (const actor of ['josé', ' padded ', '東京の窓口']) {
      const { accountId } = await new Promise<{ accountId: string }>((resolve, reject) =>
        client.openAccount(
          { owner: 'Ada', correlationId: '' },
          auditToGrpc({ actor, requestId: 'r-1' }),
          (error, reply) => (error ? reject(error) : resolve(reply!)),
        ),
      );
      const [opened] = await store.readAggregate(accountId);
      assert.equal(opened!.metadata.actor, actor);
      assert.equal(opened!.metadata.requestId, 'r-1');
    }
  } finally {
    client.close();
    await server.close();
    await store.close();
  }
});
