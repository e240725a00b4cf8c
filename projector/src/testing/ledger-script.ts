import { formatPosition, partitionOf } from '@ledger/platform';
import type { LedgerEvent, LedgerEventData, TransactionKind } from '@ledger/schema';
import { ACCOUNT, TRANSACTION, schemaVersionOf } from '@ledger/schema';

/**
 * Writes the events the write side would record for simple ledger stories (open, deposit,
 * withdraw, transfer), with real positions, versions and balances. Test support only.
 */
export interface LedgerScript {
  /** Every event so far, in append order. */
  readonly events: LedgerEvent[];
  /** Last sequence of every partition. */
  heads(): number[];
  open(accountId: string, owner: string): LedgerEvent[];
  deposit(accountId: string, amount: bigint, transactionId?: string): LedgerEvent[];
  withdraw(accountId: string, amount: bigint, transactionId?: string): LedgerEvent[];
  transfer(from: string, to: string, amount: bigint, transactionId?: string): LedgerEvent[];
  /** A transfer refused for lack of funds: requested then failed, no account event. */
  failTransfer(from: string, to: string, amount: bigint, transactionId?: string): LedgerEvent[];
  changeOwner(accountId: string, owner: string): LedgerEvent[];
  balance(accountId: string): bigint;
}

export function createLedgerScript(options: { partitions: number; start?: Date }): LedgerScript {
  const events: LedgerEvent[] = [];
  const heads = new Array<number>(options.partitions).fill(0);
  const versions = new Map<string, number>();
  const balances = new Map<string, bigint>();
  let clock = (options.start ?? new Date('2024-01-01T00:00:00.000Z')).getTime();
  let transactionCount = 0;

  const record = (aggregateType: string, aggregateId: string, data: LedgerEventData): LedgerEvent => {
    const partition = partitionOf(aggregateId, options.partitions);
    const sequence = ++heads[partition]!;
    const version = (versions.get(aggregateId) ?? 0) + 1;
    versions.set(aggregateId, version);
    clock += 1_000;
    const event = {
      eventId: `${aggregateId}-${version}`,
      aggregateType,
      aggregateId,
      version,
      schemaVersion: schemaVersionOf(data.type),
      metadata: {},
      occurredAt: new Date(clock).toISOString(),
      position: { partition, sequence },
      ...data,
    } as LedgerEvent;
    events.push(event);
    return event;
  };
  const request = (kind: TransactionKind, from: string | null, to: string | null, amount: bigint, id?: string) => {
    const transactionId = id ?? `tx-${++transactionCount}`;
    const event = record(TRANSACTION, transactionId, {
      type: 'TransactionRequested',
      data: { kind, from, to, amount: amount.toString() },
    });
    return { transactionId, event };
  };
  const move = (
    accountId: string,
    delta: bigint,
    transactionId: string,
    kind: TransactionKind,
    counterparty: string | null = null,
  ): LedgerEvent => {
    const balance = (balances.get(accountId) ?? 0n) + delta;
    balances.set(accountId, balance);
    const amount = (delta < 0n ? -delta : delta).toString();
    const data = { amount, balance: balance.toString(), transactionId, kind, counterparty };
    return record(ACCOUNT, accountId, delta < 0n ? { type: 'MoneyWithdrawn', data } : { type: 'MoneyDeposited', data });
  };
  const succeed = (transactionId: string, moved: LedgerEvent[]): LedgerEvent =>
    record(TRANSACTION, transactionId, {
      type: 'TransactionSucceeded',
      data: { positions: moved.map((event) => formatPosition(event.position)) },
    });

  return {
    events,
    heads: () => [...heads],
    open(accountId, owner) {
      balances.set(accountId, 0n);
      return [record(ACCOUNT, accountId, { type: 'AccountOpened', data: { owner } })];
    },
    deposit(accountId, amount, id) {
      const { transactionId, event } = request('DEPOSIT', null, accountId, amount, id);
      const moved = [move(accountId, amount, transactionId, 'DEPOSIT')];
      return [event, ...moved, succeed(transactionId, moved)];
    },
    withdraw(accountId, amount, id) {
      const { transactionId, event } = request('WITHDRAWAL', accountId, null, amount, id);
      const moved = [move(accountId, -amount, transactionId, 'WITHDRAWAL')];
      return [event, ...moved, succeed(transactionId, moved)];
    },
    transfer(from, to, amount, id) {
      const { transactionId, event } = request('TRANSFER', from, to, amount, id);
      const moved = [
        move(from, -amount, transactionId, 'TRANSFER', to),
        move(to, amount, transactionId, 'TRANSFER', from),
      ];
      return [event, ...moved, succeed(transactionId, moved)];
    },
    failTransfer(from, to, amount, id) {
      const { transactionId, event } = request('TRANSFER', from, to, amount, id);
      const failed = record(TRANSACTION, transactionId, {
        type: 'TransactionFailed',
        data: { reason: 'insufficient funds', positions: [] },
      });
      return [event, failed];
    },
    changeOwner(accountId, owner) {
      return [record(ACCOUNT, accountId, { type: 'OwnerChanged', data: { owner } })];
    },
    balance: (accountId) => balances.get(accountId) ?? 0n,
  };
}
