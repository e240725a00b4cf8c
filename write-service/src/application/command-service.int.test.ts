import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import {
  IdempotencyMismatchError,
  MAX_MONEY,
  NotFoundError,
  UnauthenticatedError,
  ValidationError,
  parsePosition,
} from '@ledger/platform';
import { createLedgerHarness } from '../testing/ledger-harness.js';
import type { LedgerHarness } from '../testing/ledger-harness.js';

const total = async (ledger: LedgerHarness) => (await ledger.store.heads()).reduce((a, b) => a + b, 0);

describe('command service', () => {
  let ledger: LedgerHarness;
  before(async () => {
    ledger = await createLedgerHarness();
  });
  after(() => ledger.close());

  test('opens an account with a trimmed owner at the AccountOpened position', async () => {
    const { accountId, position } = await ledger.commands.openAccount({ owner: '  Ada  ' });
    const [opened] = await ledger.store.readAggregate(accountId);
    assert.deepEqual(opened!.data, { owner: 'Ada' });
    assert.deepEqual(parsePosition(position), opened!.position);
    assert.equal(opened!.metadata.correlationId, accountId);
  });

  test('transactions and their events get ids in the order they were made (to the millisecond); accounts random ones', async () => {
    const version = (id: string) => id[14];
    const opened = await Promise.all(['P', 'Q', 'R'].map((owner) => ledger.commands.openAccount({ owner })));
    for (const { accountId } of opened) assert.equal(version(accountId), '4', `account ${accountId} is a random UUID`);
    const accountId = opened[0]!.accountId;
    const made: string[] = [];
    for (let i = 0; i < 20; i++) made.push((await ledger.commands.deposit({ accountId, amount: 1n })).transactionId);
    // The first 48 bits are the millisecond it was made (ids of one millisecond are in any order).
    const millisecond = (id: string) => id.slice(0, 13);
    const inOrder = (ids: string[]) => ids.every((id, i) => i === 0 || millisecond(ids[i - 1]!) <= millisecond(id));
    assert.ok(made.every((id) => version(id) === '7'));
    assert.ok(inOrder(made), 'each id sorts after the one before');
    for (const id of made) await ledger.settled(id);
    const eventIds = (await ledger.store.readAggregate(accountId)).slice(1).map((event) => event.eventId);
    assert.equal(eventIds.length, 20);
    assert.ok(inOrder(eventIds), 'the saga appends events with ids in order too');
  });

  test('rejects bad input and writes nothing', async () => {
    const a = await ledger.funded('A', 10n);
    const before = await total(ledger);
    const { commands } = ledger;
    const cases: Array<[() => Promise<unknown>, new (...args: never[]) => Error]> = [
      [() => commands.openAccount({ owner: ' ' }), ValidationError],
      [() => commands.openAccount({ owner: 'x'.repeat(201) }), ValidationError],
      [() => commands.deposit({ accountId: 'not-a-uuid', amount: 1n }), ValidationError],
      [() => commands.deposit({ accountId: a, amount: 0n }), ValidationError],
      [() => commands.withdraw({ accountId: a, amount: -5n }), ValidationError],
      [() => commands.deposit({ accountId: a, amount: MAX_MONEY + 1n }), ValidationError],
      [() => commands.transfer({ from: a, to: a, amount: 1n }), ValidationError],
      [() => commands.transfer({ from: a, to: 'x', amount: 1n }), ValidationError],
      [() => commands.deposit({ accountId: a, amount: 1n, idempotencyKey: 'k'.repeat(201) }), ValidationError],
      [() => commands.deposit({ accountId: randomUUID(), amount: 1n }), NotFoundError],
      [() => commands.transfer({ from: a, to: randomUUID(), amount: 1n }), NotFoundError],
      [() => commands.withdraw({ accountId: randomUUID(), amount: 1n, idempotencyKey: 'nf' }), NotFoundError],
    ];
    for (const [call, errorClass] of cases) await assert.rejects(call(), errorClass);
    assert.equal(await total(ledger), before);
    assert.equal(await ledger.store.findIdempotency('request/nf'), null);
  });

  test('accepts the largest amount and upper-case ids', async () => {
    const { accountId } = await ledger.commands.openAccount({ owner: 'Max' });
    const accepted = await ledger.commands.deposit({ accountId: accountId.toUpperCase(), amount: MAX_MONEY });
    assert.equal((await ledger.settled(accepted.transactionId)).status, 'SUCCEEDED');
    assert.equal(await ledger.balance(accountId), MAX_MONEY);
  });

  test('a repeated idempotency key returns the first transaction and has one effect', async () => {
    const a = await ledger.funded('A', 100n);
    const b = await ledger.funded('B', 1n);
    const key = `key-${randomUUID()}`;
    const first = await ledger.commands.transfer({ from: a, to: b, amount: 30n, idempotencyKey: key });
    assert.equal(first.duplicate, false);
    await ledger.settled(first.transactionId);
    const again = await ledger.commands.transfer({ from: a, to: b, amount: 30n, idempotencyKey: key });
    assert.deepEqual(again, { ...first, duplicate: true });
    assert.equal(await ledger.balance(a), 70n);
    assert.equal(await ledger.balance(b), 31n);
    const [requested] = await ledger.store.readAggregate(first.transactionId);
    assert.equal(requested!.metadata.idempotencyKey, key);

    await assert.rejects(
      ledger.commands.transfer({ from: a, to: b, amount: 31n, idempotencyKey: key }),
      IdempotencyMismatchError,
    );
    await assert.rejects(ledger.commands.deposit({ accountId: b, amount: 30n, idempotencyKey: key }), (error) => {
      assert.ok(error instanceof IdempotencyMismatchError);
      assert.equal(error.code, 'IDEMPOTENCY_MISMATCH');
      return true;
    });
  });

  test('concurrent calls with one key create one transaction', async () => {
    const a = await ledger.funded('A', 5n);
    const key = `key-${randomUUID()}`;
    const before = await total(ledger);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => ledger.commands.deposit({ accountId: a, amount: 7n, idempotencyKey: key })),
    );
    assert.equal(new Set(results.map((r) => r.transactionId)).size, 1);
    assert.equal(results.filter((r) => !r.duplicate).length, 1);
    await ledger.settled(results[0]!.transactionId);
    assert.equal(await ledger.balance(a), 12n);
    // One TransactionRequested, one MoneyDeposited, one TransactionSucceeded.
    assert.equal(await total(ledger), before + 3);
  });
});

describe('command service with authentication on (the audit trail)', () => {
  let ledger: LedgerHarness;
  before(async () => {
    ledger = await createLedgerHarness({ requireActor: true });
  });
  after(() => ledger.close());

  test('a command without an actor is UNAUTHENTICATED and writes nothing', async () => {
    const audit = { actor: 'teller-1', requestId: 'req-1' };
    const { accountId } = await ledger.commands.openAccount({ owner: 'Ada' }, audit);
    const before = await total(ledger);
    const { commands } = ledger;
    for (const call of [
      () => commands.openAccount({ owner: 'Bob' }),
      () => commands.deposit({ accountId, amount: 5n }, { requestId: 'req-2' }),
      () => commands.withdraw({ accountId, amount: 5n }),
      () => commands.transfer({ from: accountId, to: randomUUID(), amount: 5n }),
    ]) {
      await assert.rejects(call(), UnauthenticatedError);
    }
    assert.equal(await total(ledger), before);
  });

  test('every event of a command and of its saga names the actor and the request', async () => {
    const { accountId: a } = await ledger.commands.openAccount(
      { owner: 'Ada' },
      { actor: 'teller-1', requestId: 'r1' },
    );
    const { accountId: b } = await ledger.commands.openAccount(
      { owner: 'Bea' },
      { actor: 'teller-1', requestId: 'r2' },
    );
    const [opened] = await ledger.store.readAggregate(a);
    assert.deepEqual([opened!.metadata.actor, opened!.metadata.requestId], ['teller-1', 'r1']);
    const deposit = await ledger.commands.deposit(
      { accountId: a, amount: 50n },
      { actor: 'teller-1', requestId: 'r3' },
    );
    await ledger.settled(deposit.transactionId);
    const transfer = await ledger.commands.transfer({ from: a, to: b, amount: 20n }, { actor: 'ada', requestId: 'r4' });
    await ledger.settled(transfer.transactionId);

    const transactionEvents = await ledger.store.readAggregate(transfer.transactionId);
    const accountEvents = [...(await ledger.store.readAggregate(a)), ...(await ledger.store.readAggregate(b))].filter(
      (event) => (event.data as { transactionId?: string }).transactionId === transfer.transactionId,
    );
    assert.equal(transactionEvents.length, 2, 'requested and succeeded');
    assert.equal(accountEvents.length, 2, 'withdrawn and deposited');
    for (const event of [...transactionEvents, ...accountEvents]) {
      assert.equal(event.metadata.actor, 'ada', event.type);
      assert.equal(event.metadata.requestId, 'r4', event.type);
    }
  });

  test("each caller's idempotency keys are their own: another's key neither blocks nor shows", async () => {
    const ada = { actor: 'ada' };
    const { accountId: a } = await ledger.commands.openAccount({ owner: 'Ada' }, ada);
    const { accountId: b } = await ledger.commands.openAccount({ owner: 'Bea' }, ada);
    const key = `invoice-${randomUUID()}`;
    const first = await ledger.commands.deposit({ accountId: a, amount: 10n, idempotencyKey: key }, ada);
    // Another caller's request with that key, other arguments and all, is a request of its own.
    const other = await ledger.commands.deposit({ accountId: b, amount: 99n, idempotencyKey: key }, { actor: 'bea' });
    assert.equal(other.duplicate, false);
    assert.notEqual(other.transactionId, first.transactionId);
    // An actor whose name runs into the key's place is still another caller.
    const lookalike = await ledger.commands.deposit(
      { accountId: a, amount: 10n, idempotencyKey: key },
      { actor: 'ad' },
    );
    assert.notEqual(lookalike.transactionId, first.transactionId);
    // The same caller's repeat is the first request, and other arguments are still refused.
    const again = await ledger.commands.deposit({ accountId: a, amount: 10n, idempotencyKey: key }, ada);
    assert.deepEqual(again, { ...first, duplicate: true });
    await assert.rejects(
      ledger.commands.deposit({ accountId: a, amount: 11n, idempotencyKey: key }, ada),
      IdempotencyMismatchError,
    );
    for (const id of [first, other, lookalike].map((accepted) => accepted.transactionId)) await ledger.settled(id);
    assert.equal(await ledger.balance(a), 20n);
    assert.equal(await ledger.balance(b), 99n);
  });

  test('a key recorded before keys were kept per caller still counts, for its own actor only', async () => {
    const { accountId: a } = await ledger.commands.openAccount({ owner: 'Ada' }, { actor: 'ada' });
    // Recorded as an earlier version did: under the bare "request/<key>".
    const key = `old-${randomUUID()}`;
    const transactionId = randomUUID();
    const fingerprint = createHash('sha256')
      .update(JSON.stringify(['DEPOSIT', null, a, '10']))
      .digest('hex');
    await ledger.transactions.handle(
      transactionId,
      { type: 'Request', kind: 'DEPOSIT', from: null, to: a, amount: 10n },
      {
        idempotency: { key: `request/${key}`, fingerprint },
        created: true,
        metadata: { correlationId: transactionId, idempotencyKey: key, actor: 'ada' },
      },
    );
    const retried = await ledger.commands.deposit({ accountId: a, amount: 10n, idempotencyKey: key }, { actor: 'ada' });
    assert.deepEqual([retried.transactionId, retried.duplicate], [transactionId, true]);
    const someoneElse = await ledger.commands.deposit(
      { accountId: a, amount: 10n, idempotencyKey: key },
      { actor: 'bea' },
    );
    assert.equal(someoneElse.duplicate, false);
    assert.notEqual(someoneElse.transactionId, transactionId);
  });
});
