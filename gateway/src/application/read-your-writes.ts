import { parsePosition, partitionOf } from '@ledger/platform';
import type { Logger } from '@ledger/platform';
import { notifySubjects } from '@ledger/schema';
import type { AccountView, CheckpointAdvanced, LedgerQueries, TransactionView } from '@ledger/schema';
import type { NotificationHub } from './notification-hub.js';
import type { GatewayMetrics } from '../ports/metrics.js';

export interface ReadYourWritesOptions {
  readonly readModel: LedgerQueries;
  readonly hub: NotificationHub;
  readonly logger: Logger;
  readonly partitions: number;
  /** Longest wait before giving up (the caller then answers PENDING). */
  readonly timeoutMs?: number;
  /** Re-check period: notifications are fire-and-forget and can be lost. */
  readonly pollMs?: number;
  /** Hears how each wait ended and how long it took. */
  readonly metrics?: Pick<GatewayMetrics, 'readYourWritesWaited'>;
}

/** Waits until a write is visible to the next query. Both waits resolve null on timeout. */
export interface ReadYourWrites {
  /** The transaction once settled and every account event it produced is in the read model. */
  settledTransaction(transactionId: string, accountIds: readonly string[]): Promise<TransactionView | null>;
  /** The account once the read model has applied its event at `position` (or a later one). */
  visibleAccount(accountId: string, position: string): Promise<AccountView | null>;
}

/** Why a waiter woke: its first look, a poll tick, or notifications (the latest payload of each subject). */
interface Wake {
  readonly look: boolean;
  readonly subjects: ReadonlyMap<string, unknown>;
}

export function createReadYourWrites(options: ReadYourWritesOptions): ReadYourWrites {
  const { readModel, hub, logger, partitions } = options;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const pollMs = options.pollMs ?? 250;

  // Highest checkpoint seen per partition, from notifications and reads; it only moves forward.
  const known = new Map<number, number>();
  const advance = (partition: number, sequence: number): void => {
    if (sequence > (known.get(partition) ?? 0)) known.set(partition, sequence);
  };
  const covers = (positions: readonly string[]): boolean =>
    positions.every((text) => {
      const position = parsePosition(text);
      return (known.get(position.partition) ?? 0) >= position.sequence;
    });
  const refreshCheckpoints = async (): Promise<void> => {
    (await readModel.checkpoints()).forEach((sequence, partition) => advance(partition, sequence));
  };
  let tracking: Promise<unknown> | undefined;
  const trackCheckpoints = (): Promise<unknown> =>
    (tracking ??= hub
      .listen(notifySubjects.allCheckpoints, (payload) => {
        const checkpoint = payload as Partial<CheckpointAdvanced>;
        if (typeof checkpoint.partition === 'number' && typeof checkpoint.sequence === 'number') {
          advance(checkpoint.partition, checkpoint.sequence);
        }
      })
      .catch((error: unknown) => {
        tracking = undefined;
        logger.warn({ err: error }, 'checkpoint notifications unavailable; read-your-writes polls');
      }));

  /** Runs `attempt` at the start, on each notification on `subjects` and on each poll tick. */
  async function waitFor<T>(
    subjects: readonly string[],
    attempt: (wake: Wake) => Promise<T | undefined>,
  ): Promise<T | null> {
    const deadline = Date.now() + timeoutMs;
    const started = performance.now();
    const waited = (outcome: 'settled' | 'timeout') =>
      options.metrics?.readYourWritesWaited(outcome, (performance.now() - started) / 1_000);
    let pending = new Map<string, unknown>();
    let wakeUp: (() => void) | undefined;
    const onNotification = (payload: unknown, subject: string): void => {
      pending.set(subject, payload);
      wakeUp?.();
    };
    await trackCheckpoints();
    const stops = await Promise.all(
      subjects.map((subject) => hub.listen(subject, onNotification).catch(() => () => undefined)),
    );
    try {
      let wake: Wake = { look: true, subjects: new Map() };
      for (;;) {
        const value = await attempt(wake);
        if (value !== undefined) {
          waited('settled');
          return value;
        }
        const left = deadline - Date.now();
        if (left <= 0) {
          waited('timeout');
          return null;
        }
        if (pending.size === 0) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, Math.min(pollMs, left));
            wakeUp = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wakeUp = undefined;
        }
        wake = { look: pending.size === 0, subjects: pending };
        pending = new Map();
      }
    } finally {
      for (const stop of stops) stop();
    }
  }

  const checkpointSubjects = (accountIds: readonly string[]): string[] => [
    ...new Set(accountIds.map((id) => notifySubjects.checkpoint(partitionOf(id, partitions)))),
  ];

  return {
    settledTransaction(transactionId, accountIds) {
      const transactionSubject = notifySubjects.transaction(transactionId);
      let transaction: TransactionView | null = null;
      return waitFor([transactionSubject, ...checkpointSubjects(accountIds)], async (wake) => {
        const settled = transaction !== null && transaction.status !== 'PENDING';
        if (!settled) {
          // A transaction's notification carries its document, published once the read model holds
          // it: no need to read it back. A look (the first, or a poll for lost notifications) reads.
          const notified = wake.subjects.get(transactionSubject) as TransactionView | undefined;
          if (notified?.id === transactionId) transaction = notified;
          else if (wake.look || wake.subjects.has(transactionSubject)) {
            transaction = await readModel.getTransaction(transactionId);
          }
        }
        if (transaction === null || transaction.status === 'PENDING') return undefined;
        if (covers(transaction.accountPositions)) return transaction;
        if (wake.look) {
          await refreshCheckpoints();
          if (covers(transaction.accountPositions)) return transaction;
        }
        return undefined;
      });
    },

    visibleAccount(accountId, position) {
      const { sequence } = parsePosition(position);
      return waitFor(checkpointSubjects([accountId]), async (wake) => {
        if (!wake.look && !covers([position])) return undefined;
        const account = await readModel.getAccount(accountId);
        return account && parsePosition(account.position).sequence >= sequence ? account : undefined;
      });
    },
  };
}
