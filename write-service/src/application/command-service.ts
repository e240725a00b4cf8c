import { createHash, randomUUID } from 'node:crypto';
import {
  IdempotencyMismatchError,
  NotFoundError,
  UnauthenticatedError,
  ValidationError,
  formatPosition,
} from '@ledger/platform';
import type { EventMetadata } from '@ledger/platform';
import { commandInput, MAX_ACTOR_LENGTH, MAX_IDEMPOTENCY_KEY_LENGTH } from '@ledger/schema';
import type { CommandAudit, TransactionKind } from '@ledger/schema';
import { accountAggregate, transactionAggregate } from './aggregates.js';
import { createCommandHandler } from './command-handler.js';
import { timeOrderedId } from './ids.js';
import type { CommandHandlerOptions, HandleResult } from './command-handler.js';
import type { LedgerCommands, TransactionAccepted } from './ledger-commands.js';

/** Options of its two command handlers (accounts and transactions; `cacheSize` is per handler). */
export interface CommandServiceOptions extends CommandHandlerOptions {
  /** Refuse commands that do not say who asked (UNAUTHENTICATED): on when the gateway authenticates callers. */
  readonly requireActor?: boolean;
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
 * Where a client's idempotency key is recorded: apart from the saga's "<txId>/<step>" keys, and, when
 * the caller is known, apart from every other caller's (the actor's length first, so no actor's keys
 * can pass for another's). One caller can then neither block another's request by using its key first
 * nor learn which keys others have used.
 */
const requestKeyOf = (key: string, actor: string | undefined): string =>
  actor === undefined ? `request/${key}` : `request/${actor.length}:${actor}/${key}`;

/**
 * The write side's command API. Input is checked by schema's `commandInput` rules before anything
 * is written; deposits, withdrawals and transfers are recorded as a PENDING Transaction that the
 * settlement saga settles.
 */
export function createCommandService(options: CommandServiceOptions): LedgerCommands {
  // Transactions and events get time-ordered ids (UUIDv7): each new one lands at the end of the store's
  // and the read model's id indexes, where a batch's inserts share a few pages, instead of on a page
  // of its own anywhere in the index. Accounts keep random ids, which do not tell when they were opened.
  const newId = options.newId ?? timeOrderedId;
  const newAccountId = options.newId ?? randomUUID;
  const accounts = createCommandHandler(accountAggregate, { ...options, newId });
  const transactions = createCommandHandler(transactionAggregate, { ...options, newId });

  /** The audit part of an event's metadata; every command passes here before anything is read or written. */
  const auditOf = (audit: CommandAudit | undefined): Pick<EventMetadata, 'actor' | 'requestId'> => {
    const actor = audit?.actor;
    if (actor === undefined) {
      if (options.requireActor) throw new UnauthenticatedError('a command must name its actor');
    } else if (actor.length > MAX_ACTOR_LENGTH) {
      throw new ValidationError(`actor must be at most ${MAX_ACTOR_LENGTH} characters`);
    }
    const requestId = audit?.requestId?.slice(0, MAX_IDEMPOTENCY_KEY_LENGTH);
    // Keys set one by one: V8 builds a literal that starts with a spread on its slow path (see the deposit).
    const who: { actor?: string; requestId?: string } = {};
    if (actor !== undefined) who.actor = actor;
    if (requestId !== undefined) who.requestId = requestId;
    return who;
  };

  const requireAccount = async (id: string): Promise<void> => {
    // An account, once opened, always exists: a cached one answers (the saga checks it is open).
    const { state } = await accounts.load(id, { cached: true });
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

  /**
   * The earlier request this caller made with this key. A key recorded before keys were kept per
   * caller (under the bare "request/<key>") still counts, but only for the actor its request names.
   */
  const recordedFor = async (key: string, recordKey: string, actor: string | undefined) => {
    const earlier = await transactions.recorded(recordKey);
    if (earlier || actor === undefined) return earlier;
    const unscoped = await transactions.recorded(requestKeyOf(key, undefined));
    return unscoped?.events[0]?.metadata.actor === actor ? unscoped : null;
  };

  const request = async (input: TransactionRequest, audit: CommandAudit | undefined): Promise<TransactionAccepted> => {
    const who = auditOf(audit);
    const { kind, from, to, amount, idempotencyKey: key } = input;
    // Only a keyed request is compared with an earlier one, so only it is fingerprinted.
    const fingerprint =
      key === undefined
        ? ''
        : createHash('sha256')
            .update(JSON.stringify([kind, from, to, amount.toString()]))
            .digest('hex');
    const idempotency = key === undefined ? undefined : { key: requestKeyOf(key, who.actor), fingerprint };
    const earlier = idempotency && (await recordedFor(key!, idempotency.key, who.actor));
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
        created: true,
        metadata: {
          correlationId: input.correlationId || transactionId,
          ...(key === undefined ? {} : { idempotencyKey: key }),
          ...who,
        },
      },
    );
    return accepted(key, fingerprint, result);
  };

  return {
    async openAccount(input, audit) {
      const who = auditOf(audit);
      const { owner, correlationId } = commandInput.openAccount(input);
      const accountId = newAccountId();
      const result = await accounts.handle(
        accountId,
        { type: 'Open', owner },
        { created: true, metadata: { correlationId: correlationId || accountId, ...who } },
      );
      return { accountId, position: formatPosition(result.events[0]!.position) };
    },

    async closeAccount(input, audit) {
      const who = auditOf(audit);
      const { accountId, correlationId } = commandInput.closeAccount(input);
      const result = await accounts.handle(
        accountId,
        { type: 'Close' },
        { metadata: { correlationId: correlationId || newId(), ...who } },
      );
      return { accountId, position: formatPosition(result.events[0]!.position) };
    },

    async changeOwner(input, audit) {
      const who = auditOf(audit);
      const { accountId, owner, correlationId } = commandInput.changeOwner(input);
      const result = await accounts.handle(
        accountId,
        { type: 'ChangeOwner', owner },
        { metadata: { correlationId: correlationId || newId(), ...who } },
      );
      return { accountId, position: formatPosition(result.events[0]!.position) };
    },

    // Requests written out field by field: `{ ...checked, kind, from, to }` adds keys its source lacks,
    // which V8 does on its slow path (about 0.8 us a key, measured alone), on every command.
    async deposit(input, audit) {
      const { accountId, amount, idempotencyKey, correlationId } = commandInput.deposit(input);
      return request({ kind: 'DEPOSIT', from: null, to: accountId, amount, idempotencyKey, correlationId }, audit);
    },

    async withdraw(input, audit) {
      const { accountId, amount, idempotencyKey, correlationId } = commandInput.withdraw(input);
      return request({ kind: 'WITHDRAWAL', from: accountId, to: null, amount, idempotencyKey, correlationId }, audit);
    },

    async transfer(input, audit) {
      const { from, to, amount, idempotencyKey, correlationId } = commandInput.transfer(input);
      return request({ kind: 'TRANSFER', from, to, amount, idempotencyKey, correlationId }, audit);
    },
  };
}
