import { IllegalStateError, NotFoundError, ValidationError } from '@ledger/platform';
import { requireAmount } from '@ledger/schema';
import type { TransactionEvent, TransactionKind } from '@ledger/schema';
import type { Decider } from './decider.js';

export type TransactionLifecycle = 'NONE' | 'PENDING' | 'SUCCEEDED' | 'FAILED';

/** The settlement saga's record of one deposit, withdrawal or transfer. */
export interface TransactionState {
  readonly status: TransactionLifecycle;
  readonly kind: TransactionKind | null;
  readonly from: string | null;
  readonly to: string | null;
  readonly amount: bigint;
  readonly failureReason: string | null;
  /** Positions ("p:s") of the account events the settled transaction produced. */
  readonly positions: readonly string[];
  readonly version: number;
}

export type TransactionCommand =
  | {
      readonly type: 'Request';
      readonly kind: TransactionKind;
      readonly from: string | null;
      readonly to: string | null;
      readonly amount: bigint;
    }
  | { readonly type: 'Succeed'; readonly positions: readonly string[] }
  | { readonly type: 'Fail'; readonly reason: string; readonly positions: readonly string[] };

/** Which accounts each kind moves money between. */
function validateParties(kind: TransactionKind, from: string | null, to: string | null): void {
  switch (kind) {
    case 'DEPOSIT':
      if (from !== null || to === null) throw new ValidationError('a deposit has a destination account only');
      return;
    case 'WITHDRAWAL':
      if (from === null || to !== null) throw new ValidationError('a withdrawal has a source account only');
      return;
    case 'TRANSFER':
      if (from === null || to === null) throw new ValidationError('a transfer needs a source and a destination');
      if (from === to) throw new ValidationError('a transfer needs two different accounts');
      return;
    default: {
      const never: never = kind;
      throw new ValidationError(`unknown transaction kind ${String(never)}`);
    }
  }
}

function requirePending(state: TransactionState): void {
  if (state.status === 'NONE') throw new NotFoundError('transaction not found');
  if (state.status !== 'PENDING') throw new IllegalStateError(`transaction already settled: ${state.status}`);
}

function decide(command: TransactionCommand, state: TransactionState): TransactionEvent[] {
  switch (command.type) {
    case 'Request': {
      if (state.status !== 'NONE') throw new IllegalStateError('transaction already exists');
      validateParties(command.kind, command.from, command.to);
      const { kind, from, to } = command;
      const amount = requireAmount(command.amount).toString();
      return [{ type: 'TransactionRequested', data: { kind, from, to, amount } }];
    }
    case 'Succeed':
      requirePending(state);
      return [{ type: 'TransactionSucceeded', data: { positions: [...command.positions] } }];
    case 'Fail':
      requirePending(state);
      if (command.reason.trim() === '') throw new ValidationError('a failed transaction needs a reason');
      return [{ type: 'TransactionFailed', data: { reason: command.reason, positions: [...command.positions] } }];
    default: {
      const never: never = command;
      throw new Error(`unknown transaction command ${JSON.stringify(never)}`);
    }
  }
}

function evolve(state: TransactionState, event: TransactionEvent): TransactionState {
  const version = state.version + 1;
  switch (event.type) {
    case 'TransactionRequested': {
      const { kind, from, to, amount } = event.data;
      return { ...state, status: 'PENDING', kind, from, to, amount: BigInt(amount), version };
    }
    case 'TransactionSucceeded':
      return { ...state, status: 'SUCCEEDED', positions: event.data.positions, version };
    case 'TransactionFailed':
      return {
        ...state,
        status: 'FAILED',
        failureReason: event.data.reason,
        positions: event.data.positions,
        version,
      };
    default: {
      const never: never = event;
      throw new Error(`unknown transaction event ${JSON.stringify(never)}`);
    }
  }
}

export const transactionDecider: Decider<TransactionCommand, TransactionState, TransactionEvent> = {
  decide,
  evolve,
  initialState: () => ({
    status: 'NONE',
    kind: null,
    from: null,
    to: null,
    amount: 0n,
    failureReason: null,
    positions: [],
    version: 0,
  }),
};

export function encodeTransactionState(state: TransactionState): string {
  return JSON.stringify({ ...state, amount: state.amount.toString() });
}

export function decodeTransactionState(text: string): TransactionState {
  const raw = JSON.parse(text) as Omit<TransactionState, 'amount'> & { amount: string };
  return { ...raw, amount: BigInt(raw.amount) };
}
