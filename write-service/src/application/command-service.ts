import { createHash, randomUUID } from 'node:crypto';
import { IdempotencyMismatchError, NotFoundError, formatPosition } from '@ledger/platform';
import { commandInput } from '@ledger/schema';
import type { TransactionKind } from '@ledger/schema';
import { accountAggregate, transactionAggregate } from './aggregates.js';
import { createCommandHandler } from './command-handler.js';
import type { CommandHandlerOptions, HandleResult } from './command-handler.js';
import type { LedgerCommands, TransactionAccepted } from './ledger-commands.js';

/** Options of its two command handlers (accounts and transactions; `cacheSize` is per handler). */
export type CommandServiceOptions = CommandHandlerOptions;

interface TransactionRequest {
  readonly kind: TransactionKind;
  readonly from: string | null;
  readonly to: string | null;
  readonly amount: bigint;
  readonly idempotencyKey?: string;
  readonly correlationId?: string;
}

/**
 * The write side's command API. Input is checked by schema's `commandInput` rules before anything
 * is written; deposits, withdrawals and transfers are recorded as a PENDING Transaction that the
 * settlement saga settles.
 */
export function createCommandService(options: CommandServiceOptions): LedgerCommands {
  const newId = options.newId ?? randomUUID;
  const accounts = createCommandHandler(accountAggregate, { ...options, newId });
  const transactions = createCommandHandler(transactionAggregate, { ...options, newId });

  const requireAccount = async (id: string): Promise<void> => {
    const { state } = await accounts.load(id);
    if (state.status === 'NONE') throw new NotFoundError(`account ${id} not found`);
  };

  const accepted = (
    key: string | undefined,
    fingerprint: string,
    result: HandleResult<unknown>,
  ): TransactionAccepted => {
    if (result.status === 'duplicate' && result.fingerprint !== fingerprint) throw new IdempotencyMismatchError(key!);
    const requested = result.events[0];
    if (!requested) throw new Error('idempotency record points at no transaction');
    return {
      transactionId: requested.aggregateId,
      position: formatPosition(requested.position),
      duplicate: result.status === 'duplicate',
    };
  };

  const request = async (input: TransactionRequest): Promise<TransactionAccepted> => {
    const { kind, from, to, amount, idempotencyKey: key } = input;
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([kind, from, to, amount.toString()]))
      .digest('hex');
    // Client keys live in their own namespace, apart from the saga's "<txId>/<step>" keys.
    const idempotency = key === undefined ? undefined : { key: `request/${key}`, fingerprint };
    const earlier = idempotency && (await transactions.recorded(idempotency.key));
    if (earlier) {
      options.metrics?.idempotentReplayed(transactionAggregate.type);
      return accepted(key, fingerprint, earlier);
    }
    for (const id of [from, to]) if (id !== null) await requireAccount(id);
    const transactionId = newId();
    const result = await transactions.handle(
      transactionId,
      { type: 'Request', kind, from, to, amount },
      {
        idempotency,
        metadata: {
          correlationId: input.correlationId || transactionId,
          ...(key === undefined ? {} : { idempotencyKey: key }),
        },
      },
    );
    return accepted(key, fingerprint, result);
  };

  return {
    async openAccount(input) {
      const { owner, correlationId } = commandInput.openAccount(input);
      const accountId = newId();
      const result = await accounts.handle(
        accountId,
        { type: 'Open', owner },
        { metadata: { correlationId: correlationId || accountId } },
      );
      return { accountId, position: formatPosition(result.events[0]!.position) };
    },

    async closeAccount(input) {
      const { accountId, correlationId } = commandInput.closeAccount(input);
      const result = await accounts.handle(
        accountId,
        { type: 'Close' },
        { metadata: { correlationId: correlationId || newId() } },
      );
      return { accountId, position: formatPosition(result.events[0]!.position) };
    },

    async changeOwner(input) {
      const { accountId, owner, correlationId } = commandInput.changeOwner(input);
      const result = await accounts.handle(
        accountId,
        { type: 'ChangeOwner', owner },
        { metadata: { correlationId: correlationId || newId() } },
      );
      return { accountId, position: formatPosition(result.events[0]!.position) };
    },

    async deposit(input) {
      const { accountId, ...checked } = commandInput.deposit(input);
      return request({ ...checked, kind: 'DEPOSIT', from: null, to: accountId });
    },

    async withdraw(input) {
      const { accountId, ...checked } = commandInput.withdraw(input);
      return request({ ...checked, kind: 'WITHDRAWAL', from: accountId, to: null });
    },

    async transfer(input) {
      return request({ ...commandInput.transfer(input), kind: 'TRANSFER' });
    },
  };
}
