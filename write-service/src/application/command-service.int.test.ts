import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { IdempotencyMismatchError, MAX_MONEY, NotFoundError, ValidationError, parsePosition } from '@ledger/platform';
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
