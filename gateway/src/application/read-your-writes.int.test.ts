import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInProcessNotificationBus, partitionOf, silentLogger } from '@ledger/platform';
import { notifySubjects } from '@ledger/schema';
import type { AccountView, TransactionView } from '@ledger/schema';
import { createSqliteReadModel } from '@ledger/projector';
import type { ReadModel } from '@ledger/projector';
import { createNotificationHub } from './notification-hub.js';
import type { NotificationHub } from './notification-hub.js';
import { createReadYourWrites } from './read-your-writes.js';

const PARTITIONS = 4;
const logger = silentLogger();

/** Ids of an account and a transaction in different partitions. */
function idsInTwoPartitions(): { accountId: string; transactionId: string } {
  for (;;) {
    const accountId = randomUUID();
    const transactionId = randomUUID();
    if (partitionOf(accountId, PARTITIONS) !== partitionOf(transactionId, PARTITIONS))
      return { accountId, transactionId };
  }
}

const at = (partition: number, sequence: number): string => `${partition}:${sequence}`;
const NOW = '2024-05-01T10:00:00.000Z';

function transaction(
  id: string,
  to: string,
  status: TransactionView['status'],
  position: string,
  accountPositions: string[] = [],
): TransactionView {
  return {
    id,
    kind: 'DEPOSIT',
    from: null,
    to,
    amount: '5',
    status,
    failureReason: null,
    initiatedBy: null,
    createdAt: NOW,
    updatedAt: NOW,
    accountPositions,
    position,
  };
}

function account(id: string, position: string, balance = '0'): AccountView {
  return { id, owner: 'ann', balance, status: 'OPEN', version: 1, updatedAt: NOW, position };
}

/** True when `promise` has not settled within `ms`. */
const stillWaiting = (promise: Promise<unknown>, ms = 150): Promise<boolean> =>
  Promise.race([promise.then(() => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), ms))]);

describe('read-your-writes over the SQLite read model', () => {
  let dir: string;
  let readModel: ReadModel;
  let bus: ReturnType<typeof createInProcessNotificationBus>;
  let hub: NotificationHub;
  let generation: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-'));
    readModel = createSqliteReadModel({ path: join(dir, 'read-model.db'), partitions: PARTITIONS });
    bus = createInProcessNotificationBus();
    hub = createNotificationHub({ bus, logger });
    generation = await readModel.activeGeneration();
  });
  after(async () => {
    await hub.close();
    await bus.close();
    await readModel.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const checkpoints = new Map<number, number>();
  /** Commits documents into their partition's next sequence, like a projector batch. */
  async function project(
    partition: number,
    docs: { accounts?: AccountView[]; transactions?: TransactionView[] },
    notify: boolean,
  ) {
    const checkpoint = (checkpoints.get(partition) ?? 0) + 1;
    checkpoints.set(partition, checkpoint);
    const batch = { partition, accounts: docs.accounts ?? [], transactions: docs.transactions ?? [], checkpoint };
    assert.equal(await readModel.commit(generation, batch, { requireActive: true }), 'committed');
    if (!notify) return;
    for (const view of batch.transactions) await bus.publish(notifySubjects.transaction(view.id), view);
    await bus.publish(notifySubjects.checkpoint(partition), { partition, sequence: checkpoint });
  }
  const next = (partition: number): string => at(partition, (checkpoints.get(partition) ?? 0) + 1);
  /** A waiter over `readModel` (the shared one by default), polling every minute unless told otherwise. */
  const waiter = (options: { readModel?: ReadModel; timeoutMs?: number; pollMs?: number } = {}) =>
    createReadYourWrites({
      readModel: options.readModel ?? readModel,
      hub,
      logger,
      partitions: PARTITIONS,
      timeoutMs: options.timeoutMs ?? 5_000,
      pollMs: options.pollMs ?? 60_000,
    });
  /** An account and a transaction in different partitions, with their partitions. */
  const placed = () => {
    const ids = idsInTwoPartitions();
    return { ...ids, pa: partitionOf(ids.accountId, PARTITIONS), pt: partitionOf(ids.transactionId, PARTITIONS) };
  };

  test('a transaction is returned once settled and applied to its accounts, woken by notifications', async () => {
    // Polling is off (1 minute): only notifications can wake the waiter in time.
    const ryw = waiter();
    const { accountId, transactionId, pa, pt } = placed();
    await project(pa, { accounts: [account(accountId, next(pa))] }, true);
    await project(pt, { transactions: [transaction(transactionId, accountId, 'PENDING', next(pt))] }, true);

    const waiting = ryw.settledTransaction(transactionId, [accountId]);
    assert.equal(await stillWaiting(waiting), true, 'PENDING is not an answer');

    // Settled, but the account's partition has not applied the deposit yet.
    const deposit = next(pa);
    await project(
      pt,
      { transactions: [transaction(transactionId, accountId, 'SUCCEEDED', next(pt), [deposit])] },
      true,
    );
    assert.equal(await stillWaiting(waiting), true, 'the account must show the deposit first');

    await project(pa, { accounts: [account(accountId, deposit, '5')] }, true);
    const settled = await waiting;
    assert.equal(settled?.status, 'SUCCEEDED');
    assert.equal((await readModel.getAccount(accountId))?.balance, '5');
  });

  test("a transaction's notification is its document: the waiter reads the read model only on its first look", async () => {
    let reads = 0;
    const counting: ReadModel = {
      ...readModel,
      getTransaction: (id) => {
        reads++;
        return readModel.getTransaction(id);
      },
    };
    const ryw = waiter({ readModel: counting });
    const { accountId, transactionId, pa, pt } = placed();
    const waiting = ryw.settledTransaction(transactionId, [accountId]);
    await project(pt, { transactions: [transaction(transactionId, accountId, 'PENDING', next(pt))] }, true);
    const deposit = next(pa);
    await project(pa, { accounts: [account(accountId, deposit, '5')] }, true);
    await project(
      pt,
      { transactions: [transaction(transactionId, accountId, 'SUCCEEDED', next(pt), [deposit])] },
      true,
    );
    const settled = await waiting;
    assert.equal(settled?.status, 'SUCCEEDED');
    assert.deepEqual(settled?.accountPositions, [deposit]);
    assert.equal(reads, 1, 'the first look only');
  });

  test('lost notifications are covered by re-reading the read model', async () => {
    const ryw = waiter({ pollMs: 30 });
    const { accountId, transactionId, pa, pt } = placed();
    await project(pt, { transactions: [transaction(transactionId, accountId, 'PENDING', next(pt))] }, false);
    const waiting = ryw.settledTransaction(transactionId, [accountId]);
    const deposit = next(pa);
    await project(pa, { accounts: [account(accountId, deposit, '5')] }, false);
    await project(pt, { transactions: [transaction(transactionId, accountId, 'FAILED', next(pt), [deposit])] }, false);
    assert.equal((await waiting)?.status, 'FAILED');
  });

  test('a transaction that does not settle in time gives null', async () => {
    const ryw = waiter({ timeoutMs: 200, pollMs: 30 });
    const { accountId, transactionId } = idsInTwoPartitions();
    const pt = partitionOf(transactionId, PARTITIONS);
    await project(pt, { transactions: [transaction(transactionId, accountId, 'PENDING', next(pt))] }, true);
    const started = Date.now();
    assert.equal(await ryw.settledTransaction(transactionId, [accountId]), null);
    assert.ok(Date.now() - started >= 190);
  });

  test('a new account is returned once the read model shows it', async () => {
    const ryw = waiter();
    const accountId = randomUUID();
    const pa = partitionOf(accountId, PARTITIONS);
    const opened = next(pa);
    const waiting = ryw.visibleAccount(accountId, opened);
    assert.equal(await stillWaiting(waiting), true);
    await project(pa, { accounts: [account(accountId, opened)] }, true);
    assert.equal((await waiting)?.id, accountId);
  });
});
