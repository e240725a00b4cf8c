import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LedgerEvent } from '@ledger/schema';
import { auditStore } from './store-audit.js';
import type { Acknowledged } from './workload.js';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const T1 = '00000000-0000-4000-8000-000000000001';
const T2 = '00000000-0000-4000-8000-000000000002';

/** A log built the way the write side records it: versions per aggregate, sequences in order. */
function log() {
  const events: LedgerEvent[] = [];
  const versions = new Map<string, number>();
  const balances = new Map<string, bigint>();
  const add = (aggregateType: string, aggregateId: string, type: string, data: object, key?: string) => {
    const version = (versions.get(aggregateId) ?? 0) + 1;
    versions.set(aggregateId, version);
    events.push({
      eventId: `e${events.length + 1}`,
      aggregateType,
      aggregateId,
      version,
      type,
      schemaVersion: 1,
      data,
      metadata: key ? { idempotencyKey: key } : {},
      occurredAt: '2026-01-01T00:00:00.000Z',
      position: { partition: 0, sequence: events.length + 1 },
    } as LedgerEvent);
  };
  const money = (
    account: string,
    type: 'MoneyDeposited' | 'MoneyWithdrawn',
    amount: bigint,
    tx: string,
    refund = false,
  ) => {
    const balance = (balances.get(account) ?? 0n) + (type === 'MoneyDeposited' ? amount : -amount);
    balances.set(account, balance);
    add('Account', account, type, {
      amount: String(amount),
      balance: String(balance),
      transactionId: tx,
      ...(refund ? { refund } : {}),
    });
  };
  return {
    events,
    open: (account: string) => add('Account', account, 'AccountOpened', { owner: 'x' }),
    request: (tx: string, key: string, kind: string, from: string | null, to: string | null, amount: bigint) =>
      add('Transaction', tx, 'TransactionRequested', { kind, from, to, amount: String(amount) }, key),
    money,
    succeed: (tx: string) => add('Transaction', tx, 'TransactionSucceeded', { positions: [] }),
    fail: (tx: string) => add('Transaction', tx, 'TransactionFailed', { reason: 'no', positions: [] }),
  };
}

const deposit = (key: string, transactionId: string, to: string, amount: bigint): Acknowledged => ({
  operation: { key, kind: 'deposit', from: null, to, amount, consistency: 'EVENTUAL' },
  transactionId,
  calls: 1,
});
const transfer = (key: string, transactionId: string, amount: bigint): Acknowledged => ({
  operation: { key, kind: 'transfer', from: A, to: B, amount, consistency: 'EVENTUAL' },
  transactionId,
  calls: 1,
});

describe('the chaos run audits the event log', () => {
  test('a clean log: balances per account and a status per transaction, no violation', () => {
    const l = log();
    l.open(A);
    l.open(B);
    l.request(T1, 'k1', 'DEPOSIT', null, A, 100n);
    l.money(A, 'MoneyDeposited', 100n, T1);
    l.succeed(T1);
    l.request(T2, 'k2', 'TRANSFER', A, B, 50n);
    l.money(A, 'MoneyWithdrawn', 50n, T2);
    l.money(A, 'MoneyDeposited', 50n, T2, true);
    l.fail(T2);
    const audit = auditStore(l.events, [deposit('k1', T1, A, 100n), transfer('k2', T2, 50n)]);
    assert.deepEqual(audit.violations, []);
    assert.deepEqual(audit.accounts.get(A), { balance: 100n, version: 4 });
    assert.equal(audit.status.get(T1), 'SUCCEEDED');
    assert.equal(audit.status.get(T2), 'FAILED');
  });

  test('a step that moved money twice, and a transaction settled twice, are named', () => {
    const l = log();
    l.open(A);
    l.request(T1, 'k1', 'DEPOSIT', null, A, 100n);
    l.money(A, 'MoneyDeposited', 100n, T1);
    l.money(A, 'MoneyDeposited', 100n, T1);
    l.succeed(T1);
    l.succeed(T1);
    const violations = auditStore(l.events, [deposit('k1', T1, A, 100n)]).violations.join('\n');
    assert.match(violations, /money moved twice by one step: 1/);
    assert.match(violations, /settled more than once: 1/);
  });

  test('one key recorded as two transactions, and a transaction nobody was told about, are named', () => {
    const l = log();
    l.open(A);
    l.request(T1, 'k1', 'DEPOSIT', null, A, 100n);
    l.request(T2, 'k1', 'DEPOSIT', null, A, 100n);
    const violations = auditStore(l.events, [deposit('k1', T1, A, 100n)]).violations.join('\n');
    assert.match(violations, /one key, several transactions: 1 \(k1: /);
    assert.match(violations, new RegExp(`in the store but never acknowledged: 1 \\(${T2}\\)`));
  });

  test('an acknowledged operation missing from the store, and a balance that does not follow, are named', () => {
    const l = log();
    l.open(A);
    l.request(T1, 'k1', 'DEPOSIT', null, A, 100n);
    l.money(A, 'MoneyDeposited', 100n, T1);
    (l.events.at(-1)!.data as { balance: string }).balance = '99';
    l.succeed(T1);
    const violations = auditStore(l.events, [deposit('k1', T1, A, 100n), deposit('k2', T2, A, 5n)]).violations.join(
      '\n',
    );
    assert.match(violations, /acknowledged but not in the store: 1 \(k2/);
    assert.match(violations, /balance after an event does not follow: 1/);
  });
});
