import { createHash, randomUUID } from 'node:crypto';
import { IdempotencyMismatchError, MAX_MONEY, NotFoundError, ValidationError, formatPosition } from '@ledger/platform';
import type { Logger } from '@ledger/platform';
import type { TransactionKind } from '@ledger/schema';
import { MAX_OWNER_LENGTH } from '../domain/account.js';
import type { EventStore } from '../ports/event-store.js';
import { accountAggregate, transactionAggregate } from './aggregates.js';
import { createCommandHandler } from './command-handler.js';
import type { HandleResult } from './command-handler.js';
import type { LedgerCommands, TransactionAccepted } from './ledger-commands.js';

export interface CommandServiceOptions {
  readonly store: EventStore;
  readonly now?: () => Date;
  readonly newId?: () => string;
  readonly snapshotEvery?: number;
  /** Aggregate states kept in memory per aggregate type (see CommandHandlerOptions). */
  readonly cacheSize?: number;
  readonly maxAttempts?: number;
  readonly logger?: Logger;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_KEY_LENGTH = 200;

function requireId(id: string, field: string): string {
  if (typeof id !== 'string' || !UUID.test(id)) throw new ValidationError(`${field} must be a UUID`);
  return id.toLowerCase();
}

function requireAmount(amount: bigint): bigint {
  if (typeof amount !== 'bigint' || amount <= 0n || amount > MAX_MONEY) {
    throw new ValidationError('amount must be a positive integer number of minor units within 64 bits');
  }
  return amount;
}

/** Absent and empty keys mean "no key" (proto3 strings default to ""). */
function optionalKey(key: string | undefined): string | undefined {
  if (key === undefined || key === '') return undefined;
  if (key.length > MAX_KEY_LENGTH)
    throw new ValidationError(`idempotencyKey must be at most ${MAX_KEY_LENGTH} characters`);
  return key;
}

interface TransactionRequest {
  readonly kind: TransactionKind;
  readonly from: string | null;
  readonly to: string | null;
  readonly amount: bigint;
  readonly idempotencyKey?: string;
  readonly correlationId?: string;
}

/**
 * The write side's command API. Input is checked before anything is written; deposits,
 * withdrawals and transfers are recorded as a PENDING Transaction that the transfer saga settles.
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
    const key = optionalKey(input.idempotencyKey);
    const { kind, from, to, amount } = input;
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([kind, from, to, amount.toString()]))
      .digest('hex');
    // Client keys live in their own namespace, apart from the saga's "<txId>/<step>" keys.
    const idempotency = key === undefined ? undefined : { key: `request/${key}`, fingerprint };
    const earlier = idempotency && (await transactions.recorded(idempotency.key));
    if (earlier) return accepted(key, fingerprint, earlier);
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
      const owner = typeof input.owner === 'string' ? input.owner.trim() : '';
      if (owner === '') throw new ValidationError('owner must not be empty');
      if (owner.length > MAX_OWNER_LENGTH) {
        throw new ValidationError(`owner must be at most ${MAX_OWNER_LENGTH} characters`);
      }
      const accountId = newId();
      const result = await accounts.handle(
        accountId,
        { type: 'Open', owner },
        { metadata: { correlationId: input.correlationId || accountId } },
      );
      return { accountId, position: formatPosition(result.events[0]!.position) };
    },

    async deposit(input) {
      const to = requireId(input.accountId, 'accountId');
      return request({ ...input, kind: 'DEPOSIT', from: null, to, amount: requireAmount(input.amount) });
    },

    async withdraw(input) {
      const from = requireId(input.accountId, 'accountId');
      return request({ ...input, kind: 'WITHDRAWAL', from, to: null, amount: requireAmount(input.amount) });
    },

    async transfer(input) {
      const from = requireId(input.from, 'from');
      const to = requireId(input.to, 'to');
      if (from === to) throw new ValidationError('from and to must be different accounts');
      return request({ ...input, kind: 'TRANSFER', from, to, amount: requireAmount(input.amount) });
    },
  };
}
