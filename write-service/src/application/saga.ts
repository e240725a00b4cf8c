import { createHash } from 'node:crypto';
import { IllegalStateError, UnavailableError, formatPosition, isLedgerError, traced } from '@ledger/platform';
import type { EventMetadata, PartitionTask, RecordedEvent } from '@ledger/platform';
import type { AccountCommand } from '../domain/account.js';
import type { TransactionCommand } from '../domain/transaction.js';
import { accountAggregate, transactionAggregate } from './aggregates.js';
import { createCommandHandler } from './command-handler.js';
import type { CommandHandlerOptions, FollowUp } from './command-handler.js';
import { createPartitionWorker } from './partition-worker.js';

/** Options of its two command handlers (accounts, transactions; `cacheSize` is per handler) and its loop. */
export interface SettlementSagaOptions extends CommandHandlerOptions {
  readonly batchSize?: number;
  /** How often to look for appends made by other processes. */
  readonly pollMs?: number;
}

export const SAGA_WORKER = 'saga';
/** The fingerprint of a step's key recorded by the transaction's failure (the step was refused). */
const REFUSED_STEP = 'refused';

type Step = { readonly done: true; readonly position: string } | { readonly done: false; readonly reason: string };

/** Refusals are outcomes of the transaction; anything else (store down, retries exhausted) is retried. */
const isRefusal = (error: unknown): error is Error =>
  isLedgerError(error) && ['VALIDATION', 'NOT_FOUND', 'ILLEGAL_STATE'].includes(error.code);

/**
 * The settlement saga, one worker per partition (run in rounds over the partitions a process holds,
 * see partition-worker.ts): settles every TransactionRequested of its partition (deposits and
 * withdrawals as well as transfers), each account's in partition order (a batch's transactions on
 * other accounts run side by side). Each account step carries the key
 * "<txId>/<step>", so a step re-run after a crash
 * returns the event it recorded the first time instead of moving money again.
 */
export function createSettlementSagaTask(options: SettlementSagaOptions): PartitionTask {
  const { store } = options;
  const accounts = createCommandHandler(accountAggregate, options);
  const transactions = createCommandHandler(transactionAggregate, options);

  const step = async (
    accountId: string,
    command: AccountCommand,
    key: string,
    metadata: EventMetadata,
    followedBy?: FollowUp,
  ): Promise<Step> => {
    const fingerprint = createHash('sha256').update(`${key}:${accountId}:${command.type}`).digest('hex');
    try {
      const result = await accounts.handle(accountId, command, {
        idempotency: { key, fingerprint },
        metadata,
        followedBy,
      });
      const event = result.events[0];
      if (!event) throw new Error(`step ${key} recorded no event`);
      // The key came with the transaction's failure: an earlier run was refused this step and failed the
      // transaction (settleWith). It stays refused, whatever the account would allow now.
      if (event.aggregateId !== accountId) {
        const { reason } = event.data as { reason?: unknown };
        return { done: false, reason: typeof reason === 'string' ? reason : `step ${key} was refused` };
      }
      return { done: true, position: formatPosition(event.position) };
    } catch (error) {
      if (isRefusal(error)) return { done: false, reason: error.message };
      throw error;
    }
  };

  /**
   * Settles the transaction. A failure records the key of the step that was refused (`refused`) in the
   * same append: a later run of the step (a worker whose cached state still says PENDING, a
   * redelivery) finds the key and is refused again, instead of moving money after the failure
   * because the account would allow it by then.
   */
  const settleWith = async (
    transactionId: string,
    command: TransactionCommand,
    metadata: EventMetadata,
    refused?: string,
  ) => {
    try {
      const result = await transactions.handle(transactionId, command, {
        metadata,
        idempotency: refused === undefined ? undefined : { key: refused, fingerprint: REFUSED_STEP },
      });
      if (result.status === 'duplicate' && result.events[0]?.aggregateId !== transactionId) {
        // Another run did the step meanwhile: the failure did not happen, and settling again goes on from it.
        throw new UnavailableError(
          `transaction ${transactionId}: step ${refused} was done by another run; settling again`,
        );
      }
    } catch (error) {
      // Another worker (one that has just lost its lease) settled it first: same outcome, nothing to do.
      if (!(error instanceof IllegalStateError)) throw error;
    }
  };

  const settle = async (requested: RecordedEvent): Promise<void> => {
    const txId = requested.aggregateId;
    // Settled is final: a cached state that says so answers. One that says PENDING may be behind
    // (another worker settled it): its steps then find their keys recorded, and settling again is refused.
    const { state } = await transactions.load(txId, { cached: true });
    if (state.status !== 'PENDING') return;
    const { kind, from, to, amount } = state;
    if (kind === null) throw new Error(`pending transaction ${txId} has no kind`);
    // Every event of the saga carries who asked for the transaction, for the audit trail.
    const { actor, requestId } = requested.metadata;
    const metadata: EventMetadata = {
      correlationId: requested.metadata.correlationId ?? txId,
      causationId: requested.eventId,
      ...(actor === undefined ? {} : { actor }),
      ...(requestId === undefined ? {} : { requestId }),
    };
    const positions: string[] = [];
    const fail = (reason: string, refusedStep: 'withdraw' | 'deposit') =>
      settleWith(txId, { type: 'Fail', reason, positions }, metadata, `${txId}/${refusedStep}`);
    // The settlement rides on the last step's append (one commit where the store can), the store
    // adding that step's position. Where it did not (the step was refused or recorded before, the
    // transaction moved on), it is settled by itself below.
    const settlement = () => transactions.prepare(txId, { type: 'Succeed', positions }, { metadata });

    if (from !== null) {
      const succeed = to === null ? await settlement() : null;
      const withdrawn = await step(
        from,
        { type: 'Withdraw', amount, transactionId: txId, kind, counterparty: to },
        `${txId}/withdraw`,
        metadata,
        succeed ?? undefined,
      );
      if (!withdrawn.done) return fail(withdrawn.reason, 'withdraw');
      positions.push(withdrawn.position);
      if (succeed?.appended) return;
    }
    if (to !== null) {
      // A refund recorded by an earlier run means the deposit was refused then: never deposit as well.
      const refunded = from !== null ? await accounts.recorded(`${txId}/refund`) : null;
      const succeed = refunded ? null : await settlement();
      const deposited = refunded
        ? ({ done: false, reason: 'deposit refused' } as const)
        : await step(
            to,
            { type: 'Deposit', amount, transactionId: txId, kind, counterparty: from },
            `${txId}/deposit`,
            metadata,
            succeed ?? undefined,
          );
      if (!deposited.done) {
        if (from === null) return fail(deposited.reason, 'deposit');
        const refund = await step(
          from,
          { type: 'Deposit', amount, transactionId: txId, kind, counterparty: to, refund: true },
          `${txId}/refund`,
          metadata,
        );
        if (!refund.done) {
          options.logger?.error({ transactionId: txId, reason: refund.reason }, 'refund refused');
          return fail(`deposit refused: ${deposited.reason}; refund refused: ${refund.reason}`, 'deposit');
        }
        positions.push(refund.position);
        return fail(
          refunded ? 'deposit refused; amount refunded' : `deposit refused: ${deposited.reason}; amount refunded`,
          'deposit',
        );
      }
      positions.push(deposited.position);
      if (succeed?.appended) return;
    }
    await settleWith(txId, { type: 'Succeed', positions }, metadata);
  };

  return createPartitionWorker({
    store,
    worker: SAGA_WORKER,
    batchSize: options.batchSize ?? 100,
    pollMs: options.pollMs ?? 250,
    logger: options.logger,
    // A round's batches (one per partition) settle side by side, each as its partition's worker did
    // before rounds: a failure stays in its own batch.
    process: (batches) =>
      batches.map(async ({ events, after, signal }) => {
        // Transactions of the batch settle side by side, except that one touching an account waits
        // for the earlier ones touching it: each account sees its steps in partition order, as if they
        // ran one after the other, and the steps of many transactions share the store's group commits.
        const lastOnAccount = new Map<string, Promise<void>>();
        const running: Array<Promise<void>> = [];
        let settled = after;
        for (const event of events) {
          if (signal.aborted) break;
          if (event.type === 'TransactionRequested') {
            const { from, to } = event.data as { from: string | null; to: string | null };
            const accounts = [from, to].filter((id): id is string => id !== null);
            const before = accounts.map((id) => lastOnAccount.get(id)).filter((p) => p !== undefined);
            // After a failed settlement, those waiting on it do not run; the batch fails below.
            // The steps continue the trace of the request that asked for the transaction.
            const run = Promise.all(before).then(() =>
              traced(
                'saga.settle',
                { parent: event.metadata, attributes: { 'ledger.transaction_id': event.aggregateId } },
                () => settle(event),
              ),
            );
            for (const id of accounts) lastOnAccount.set(id, run);
            running.push(run);
          }
          settled = event.position.sequence;
        }
        // The checkpoint moves only once every settlement of the batch is over. A failure fails the
        // batch, which runs again: each step's idempotency key makes the re-run return what was recorded.
        const failure = (await Promise.allSettled(running)).find((outcome) => outcome.status === 'rejected');
        if (failure) throw failure.reason;
        return settled;
      }),
  });
}
