import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInProcessEventBus, createInProcessLeaseStore, createLeaseBalancer, sleep } from '@ledger/platform';
import type { EventBus, LeaseBalancer, LeaseStore } from '@ledger/platform';
import { createSqliteEventStore } from '../adapters/sqlite/event-store.js';
import { accountAggregate, transactionAggregate } from '../application/aggregates.js';
import { createCommandHandler } from '../application/command-handler.js';
import type { CommandHandler } from '../application/command-handler.js';
import { createCommandService } from '../application/command-service.js';
import { createForwarderTask } from '../application/forwarder.js';
import type { LedgerCommands } from '../application/ledger-commands.js';
import { createSettlementSagaTask } from '../application/saga.js';
import type { AccountCommand, AccountState } from '../domain/account.js';
import type { TransactionCommand, TransactionState } from '../domain/transaction.js';
import type { EventStore } from '../ports/event-store.js';

/** A write side on a temporary SQLite file with in-process bus and leases, for integration tests. */
export interface LedgerHarness {
  readonly store: EventStore;
  readonly commands: LedgerCommands;
  readonly bus: EventBus;
  readonly leases: LeaseStore;
  readonly accounts: CommandHandler<AccountCommand, AccountState>;
  readonly transactions: CommandHandler<TransactionCommand, TransactionState>;
  /** Starts (again) the saga and forwarder workers of every partition. */
  startWorkers(): Promise<void>;
  stopWorkers(): Promise<void>;
  /** Waits until the saga has settled the transaction. */
  settled(transactionId: string, timeoutMs?: number): Promise<TransactionState>;
  balance(accountId: string): Promise<bigint>;
  /** Opens an account and deposits into it through the saga. */
  funded(owner: string, amount: bigint): Promise<string>;
  close(): Promise<void>;
}

export async function createLedgerHarness(
  options: { partitions?: number; workers?: boolean; requireActor?: boolean } = {},
): Promise<LedgerHarness> {
  const partitions = options.partitions ?? 4;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-'));
  const store = createSqliteEventStore({ path: path.join(dir, 'events.db'), partitions, synchronous: 'NORMAL' });
  const bus = createInProcessEventBus();
  const leases = createInProcessLeaseStore();
  const accounts = createCommandHandler(accountAggregate, { store });
  const transactions = createCommandHandler(transactionAggregate, { store });
  const commands = createCommandService({ store, requireActor: options.requireActor });
  let balancers: LeaseBalancer[] = [];

  const harness: LedgerHarness = {
    store,
    commands,
    bus,
    leases,
    accounts,
    transactions,
    async startWorkers() {
      const balancer = (name: string, task: Parameters<typeof createLeaseBalancer>[0]['task']) =>
        createLeaseBalancer({ name, partitions, leases, memberId: 'test', ttlMs: 3_000, task });
      balancers = [
        balancer('saga', createSettlementSagaTask({ store, pollMs: 50 })),
        balancer('forwarder', createForwarderTask({ store, bus, pollMs: 50 })),
      ];
      for (const b of balancers) await b.start();
    },
    async stopWorkers() {
      await Promise.all(balancers.splice(0).map((b) => b.stop()));
    },
    async settled(transactionId, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { state } = await transactions.load(transactionId);
        if (state.status === 'SUCCEEDED' || state.status === 'FAILED') return state;
        if (Date.now() > deadline) throw new Error(`transaction ${transactionId} still ${state.status}`);
        await sleep(10);
      }
    },
    async balance(accountId) {
      return (await accounts.load(accountId)).state.balance;
    },
    async funded(owner, amount) {
      const { accountId } = await commands.openAccount({ owner });
      const { transactionId } = await commands.deposit({ accountId, amount });
      const state = await harness.settled(transactionId);
      if (state.status !== 'SUCCEEDED') throw new Error(`funding ${owner} failed: ${state.failureReason}`);
      return accountId;
    },
    async close() {
      await harness.stopWorkers();
      await bus.close();
      await leases.close();
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  if (options.workers ?? true) await harness.startWorkers();
  return harness;
}
