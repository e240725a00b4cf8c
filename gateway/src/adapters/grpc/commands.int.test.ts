import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { status as grpcStatus } from '@grpc/grpc-js';
import type { ServiceError } from '@grpc/grpc-js';
import {
  ConcurrencyError,
  IdempotencyMismatchError,
  IllegalStateError,
  LedgerError,
  NotFoundError,
  UnavailableError,
  ValidationError,
  parsePosition,
} from '@ledger/platform';
import { createCommandService, createGrpcServer, createSqliteEventStore } from '@ledger/write-service';
import type { CommandServiceOptions, EventStore, GrpcServer } from '@ledger/write-service';
import type { Commands } from '../../ports/commands.js';
import { createGrpcCommands } from './commands.js';

interface Running {
  readonly store: EventStore;
  readonly server: GrpcServer;
  readonly commands: Commands;
}

/** A real write service (SQLite store, command service) behind gRPC, and the gateway's client. */
async function start(options: Partial<CommandServiceOptions> & { store?: EventStore } = {}): Promise<Running> {
  const store = options.store ?? createSqliteEventStore({ path: ':memory:', partitions: 4, synchronous: 'NORMAL' });
  const server = createGrpcServer({ commands: createCommandService({ ...options, store }), store });
  const port = await server.listen('127.0.0.1:0');
  return { store, server, commands: createGrpcCommands({ address: `127.0.0.1:${port}`, deadlineMs: 5_000 }) };
}

async function stop({ store, server, commands }: Running): Promise<void> {
  await commands.close();
  await server.close();
  await store.close();
}

const CODES = new Map<new (...args: never[]) => LedgerError, string>([
  [ValidationError, 'VALIDATION'],
  [NotFoundError, 'NOT_FOUND'],
  [IdempotencyMismatchError, 'IDEMPOTENCY_MISMATCH'],
  [IllegalStateError, 'ILLEGAL_STATE'],
  [UnavailableError, 'UNAVAILABLE'],
]);

/** Asserts the call fails with exactly `type`: the class and code the write service threw. */
async function rejectsAs(call: Promise<unknown>, type: new (...args: never[]) => LedgerError, message?: RegExp) {
  const error = await call.then(
    () => assert.fail(`expected ${type.name}`),
    (e: unknown) => e as LedgerError,
  );
  assert.equal(error.constructor, type, String(error));
  assert.equal(error.code, CODES.get(type));
  if (message) assert.match(error.message, message);
  return error;
}

describe('gRPC commands against the write service', () => {
  let running: Running;
  before(async () => {
    running = await start();
  });
  after(() => stop(running));

  test('opens accounts and requests deposits, withdrawals and transfers', async () => {
    const { commands, store } = running;
    const ada = await commands.openAccount({ owner: 'Ada', correlationId: 'c-42' });
    const bob = await commands.openAccount({ owner: 'Bob' });
    const [opened] = await store.readAggregate(ada.accountId);
    assert.equal(opened?.type, 'AccountOpened');
    assert.deepEqual(parsePosition(ada.position), opened?.position);
    assert.equal(opened?.metadata.correlationId, 'c-42');

    const deposit = await commands.deposit({ accountId: ada.accountId, amount: 9_223_372_036_854_775_807n });
    const [requested] = await store.readAggregate(deposit.transactionId);
    assert.equal(requested?.type, 'TransactionRequested');
    assert.deepEqual(requested?.data, {
      kind: 'DEPOSIT',
      from: null,
      to: ada.accountId,
      amount: '9223372036854775807',
    });
    assert.deepEqual(parsePosition(deposit.position), requested?.position);
    assert.equal(deposit.duplicate, false);

    const withdrawal = await commands.withdraw({ accountId: ada.accountId, amount: 5n });
    const transfer = await commands.transfer({ from: ada.accountId, to: bob.accountId, amount: 7n });
    const [w] = await store.readAggregate(withdrawal.transactionId);
    const [t] = await store.readAggregate(transfer.transactionId);
    assert.deepEqual(w?.data, { kind: 'WITHDRAWAL', from: ada.accountId, to: null, amount: '5' });
    assert.deepEqual(t?.data, { kind: 'TRANSFER', from: ada.accountId, to: bob.accountId, amount: '7' });
  });

  test('a repeated idempotency key returns the first transaction; an empty key is no key', async () => {
    const { commands } = running;
    const { accountId } = await commands.openAccount({ owner: 'Cy' });
    const first = await commands.deposit({ accountId, amount: 10n, idempotencyKey: 'k-1' });
    const again = await commands.deposit({ accountId, amount: 10n, idempotencyKey: 'k-1' });
    assert.equal(again.transactionId, first.transactionId);
    assert.equal(again.duplicate, true);
    const a = await commands.deposit({ accountId, amount: 10n, idempotencyKey: '' });
    const b = await commands.deposit({ accountId, amount: 10n, idempotencyKey: '' });
    assert.notEqual(a.transactionId, b.transactionId);
  });

  test('rejections arrive as the LedgerError class the write service threw', async () => {
    const { commands } = running;
    const { accountId } = await commands.openAccount({ owner: 'Dee' });
    await rejectsAs(commands.openAccount({ owner: '  ' }), ValidationError, /owner/);
    await rejectsAs(commands.deposit({ accountId: 'not-a-uuid', amount: 1n }), ValidationError, /accountId/);
    await rejectsAs(commands.deposit({ accountId, amount: 0n }), ValidationError, /amount/);
    await rejectsAs(commands.transfer({ from: accountId, to: accountId, amount: 1n }), ValidationError);
    const missing = randomUUID();
    await rejectsAs(commands.withdraw({ accountId: missing, amount: 1n }), NotFoundError, new RegExp(missing));
    await commands.deposit({ accountId, amount: 1n, idempotencyKey: 'k-2' });
    const mismatch = await rejectsAs(
      commands.deposit({ accountId, amount: 2n, idempotencyKey: 'k-2' }),
      IdempotencyMismatchError,
      /k-2/,
    );
    assert.equal((mismatch as IdempotencyMismatchError).key, 'k-2');
  });
});

test('IllegalStateError from the domain arrives as IllegalStateError', async () => {
  // The id generator hands out one id twice, so the second open meets an existing account.
  const id = randomUUID();
  const running = await start({ newId: () => id });
  try {
    await running.commands.openAccount({ owner: 'Eve' });
    await rejectsAs(running.commands.openAccount({ owner: 'Eve' }), IllegalStateError, /already exists/);
  } finally {
    await stop(running);
  }
});

test('a command that keeps losing the version race arrives as UnavailableError', async () => {
  const store = createSqliteEventStore({ path: ':memory:', partitions: 4 });
  // Another writer always gets there first.
  const contested: EventStore = {
    ...store,
    append: async (request) => {
      throw new ConcurrencyError(request.aggregateId, request.expectedVersion, request.expectedVersion + 1);
    },
  };
  const running = await start({ store: contested, maxAttempts: 2 });
  try {
    await rejectsAs(running.commands.openAccount({ owner: 'Fay' }), UnavailableError, /gave up/);
  } finally {
    await stop(running);
  }
});

test('an unexpected failure reaches the client masked', async () => {
  const running = await start();
  try {
    const { accountId } = await running.commands.openAccount({ owner: 'Gus' });
    await running.store.close(); // every query now fails inside better-sqlite3
    const error = await running.commands.deposit({ accountId, amount: 1n }).then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e as Error,
    );
    assert.ok(!(error instanceof LedgerError), String(error));
    assert.equal(error.message, 'internal error');
    // What travelled: status INTERNAL, masked details, no ledger code.
    const status = error.cause as ServiceError;
    assert.equal(status.code, grpcStatus.INTERNAL);
    assert.equal(status.details, 'internal error');
    assert.deepEqual(status.metadata.get('ledger-error-code'), []);
  } finally {
    await stop(running);
  }
});

test('a client against a stopped server gets UnavailableError', async () => {
  const running = await start();
  await running.server.close();
  try {
    await rejectsAs(running.commands.openAccount({ owner: 'Hal' }), UnavailableError);
    await rejectsAs(running.commands.deposit({ accountId: randomUUID(), amount: 1n }), UnavailableError);
  } finally {
    await stop(running);
  }
});
