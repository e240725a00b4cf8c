import assert from 'node:assert/strict';
import { createInProcessEventBus, createInProcessNotificationBus } from '@ledger/platform';
import type { EventBus, Lease } from '@ledger/platform';
import type { BalanceNotice, CheckpointAdvanced, LedgerEvent, TransactionView } from '@ledger/schema';
import { createSqliteReadModel } from '../adapters/sqlite/read-model.js';
import { createMemoryEventSource } from '../adapters/memory/event-source.js';
import { createProjectorTask } from '../application/projector.js';
import { projectBalance } from '../domain/balance-projection.js';
import type { ReadModel } from '../ports/read-model.js';
import { createLedgerScript } from './ledger-script.js';
import type { LedgerScript } from './ledger-script.js';

export function lease(partition: number, token = 1): Lease {
  return { name: `projector/${partition}`, owner: 'test', token, expiresAt: Date.now() + 60_000 };
}

/** Tells when every partition follows the bus, so a test knows its events travel over the bus. */
function watchedBus(inner: EventBus, partitions: number): { bus: EventBus; following: Promise<void> } {
  let remaining = partitions;
  let done: () => void = () => undefined;
  const following = new Promise<void>((resolve) => (done = resolve));
  return {
    following,
    bus: {
      ...inner,
      async subscribe(partition, afterSequence, handler) {
        const subscription = await inner.subscribe(partition, afterSequence, handler);
        if (--remaining === 0) done();
        return subscription;
      },
    },
  };
}

/**
 * The live side of the embedded mode for tests: a SQLite read model, a store (memory event source
 * over a ledger script), the in-process bus, and one running projector task per partition.
 */
export async function startLiveProjection(options: {
  path: string;
  partitions: number;
  /** Bus the tasks follow; `publish` always writes to the in-process bus it returns. */
  bus?: (inProcess: EventBus) => EventBus;
  batchSize?: number;
}) {
  const { partitions } = options;
  const readModel = createSqliteReadModel({ path: options.path, partitions });
  const script = createLedgerScript({ partitions });
  const source = createMemoryEventSource(script.events, { partitions });
  const inProcess = createInProcessEventBus({ batchSize: 4 });
  const { bus, following } = watchedBus(options.bus?.(inProcess) ?? inProcess, partitions);
  const notifications = createInProcessNotificationBus();
  const changes: BalanceNotice[] = [];
  const updates: TransactionView[] = [];
  const checkpoints: CheckpointAdvanced[] = [];
  await notifications.subscribe('ledger.notify.balance.*', (_, payload) => changes.push(payload as BalanceNotice));
  await notifications.subscribe('ledger.notify.transaction.*', (_, payload) =>
    updates.push(payload as TransactionView),
  );
  await notifications.subscribe('ledger.notify.checkpoint.*', (_, payload) =>
    checkpoints.push(payload as CheckpointAdvanced),
  );
  const task = createProjectorTask({ bus, readModel, source, notifications, batchSize: options.batchSize ?? 3 });
  const controller = new AbortController();
  const running = [...Array(partitions).keys()].map((partition) =>
    task({ partition, lease: lease(partition), signal: controller.signal }),
  );
  await following;
  return {
    readModel,
    script,
    source,
    changes,
    updates,
    checkpoints,
    task,
    /** Publishes events to the bus, each on its partition, as the forwarder would. */
    async publish(events: readonly LedgerEvent[]) {
      for (let p = 0; p < partitions; p++) {
        await inProcess.publish(
          p,
          events.filter((e) => e.position.partition === p),
        );
      }
    },
    caughtUp: () => caughtUp(readModel, script),
    async stop() {
      controller.abort();
      await Promise.all(running);
      await inProcess.close();
      await readModel.close();
    },
  };
}

/** A few accounts, deposits, transfers (one failing) and a withdrawal. */
export function story(script: LedgerScript): void {
  for (const id of ['a', 'b', 'c', 'd']) script.open(id, `owner-${id}`);
  script.deposit('a', 1_000n);
  script.deposit('b', 50n);
  script.transfer('a', 'b', 300n);
  script.transfer('b', 'c', 125n);
  script.failTransfer('d', 'a', 10n);
  script.withdraw('a', 99n);
  script.transfer('c', 'd', 25n);
}

/** Whether the active generation's checkpoints reached the store's heads. */
export async function caughtUp(readModel: ReadModel, script: LedgerScript): Promise<boolean> {
  const checkpoints = await readModel.checkpoints();
  return script.heads().every((head, p) => checkpoints[p] === head);
}

/** Every document the read model should hold after all of `events`. */
export async function assertMatchesProjection(readModel: ReadModel, events: readonly LedgerEvent[]): Promise<void> {
  const expected = projectBalance({ accounts: new Map(), transactions: new Map() }, events);
  for (const account of expected.accounts) assert.deepEqual(await readModel.getAccount(account.id), account);
  for (const transaction of expected.transactions) {
    assert.deepEqual(await readModel.getTransaction(transaction.id), transaction);
  }
}
