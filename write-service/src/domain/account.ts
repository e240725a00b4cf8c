import { IllegalStateError, MAX_MONEY, NotFoundError } from '@ledger/platform';
import { requireAmount, requireOwner } from '@ledger/schema';
import type { AccountEvent, TransactionKind } from '@ledger/schema';
import type { Decider } from './decider.js';

export type AccountLifecycle = 'NONE' | 'OPEN' | 'CLOSED';

export interface AccountState {
  readonly status: AccountLifecycle;
  readonly owner: string;
  readonly balance: bigint;
  /** Number of events folded in (the aggregate version). */
  readonly version: number;
}

/** The transaction that moves the money, as the account's history records it. */
interface MoneyMove {
  readonly amount: bigint;
  readonly transactionId: string;
  readonly kind: TransactionKind;
  /** The other account of a transfer; null for deposits and withdrawals. */
  readonly counterparty: string | null;
}

export type AccountCommand =
  | { readonly type: 'Open'; readonly owner: string }
  | (MoneyMove & {
      readonly type: 'Deposit';
      /** Gives back the withdrawal of a failed transfer. */
      readonly refund?: boolean;
    })
  | (MoneyMove & { readonly type: 'Withdraw' })
  | { readonly type: 'ChangeOwner'; readonly owner: string }
  | { readonly type: 'Close' };

/** The account must exist and be open for money to move or its owner to change. */
function requireOpen(state: AccountState): void {
  switch (state.status) {
    case 'OPEN':
      return;
    case 'NONE':
      throw new NotFoundError('account not found');
    case 'CLOSED':
      throw new IllegalStateError('account is closed');
    default: {
      const never: never = state.status;
      throw new Error(`unknown account status ${String(never)}`);
    }
  }
}

function moved(command: MoneyMove, amount: bigint) {
  const { transactionId, kind, counterparty } = command;
  return { amount: amount.toString(), transactionId, kind, counterparty };
}

function decide(command: AccountCommand, state: AccountState): AccountEvent[] {
  switch (command.type) {
    case 'Open': {
      if (state.status !== 'NONE') throw new IllegalStateError('account already exists');
      return [{ type: 'AccountOpened', data: { owner: requireOwner(command.owner) } }];
    }
    case 'Deposit': {
      const amount = requireAmount(command.amount);
      requireOpen(state);
      const balance = state.balance + amount;
      if (balance > MAX_MONEY) {
        throw new IllegalStateError(`balance overflow: balance ${state.balance}, amount ${amount}`);
      }
      const data = { ...moved(command, amount), balance: balance.toString() };
      return [{ type: 'MoneyDeposited', data: command.refund ? { ...data, refund: true } : data }];
    }
    case 'Withdraw': {
      const amount = requireAmount(command.amount);
      requireOpen(state);
      if (amount > state.balance) {
        throw new IllegalStateError(`insufficient funds: balance ${state.balance}, amount ${amount}`);
      }
      const balance = state.balance - amount;
      return [
        {
          type: 'MoneyWithdrawn',
          data: { ...moved(command, amount), balance: balance.toString() },
        },
      ];
    }
    case 'ChangeOwner': {
      const owner = requireOwner(command.owner);
      requireOpen(state);
      return [{ type: 'OwnerChanged', data: { owner } }];
    }
    case 'Close': {
      requireOpen(state);
      if (state.balance !== 0n) {
        throw new IllegalStateError(`account balance must be zero to close it: balance ${state.balance}`);
      }
      return [{ type: 'AccountClosed', data: {} }];
    }
    default: {
      const never: never = command;
      throw new Error(`unknown account command ${JSON.stringify(never)}`);
    }
  }
}

function evolve(state: AccountState, event: AccountEvent): AccountState {
  const version = state.version + 1;
  switch (event.type) {
    case 'AccountOpened':
      return { status: 'OPEN', owner: event.data.owner, balance: 0n, version };
    case 'MoneyDeposited':
    case 'MoneyWithdrawn':
      // Events carry the balance after the move: the log, not arithmetic here, is the truth.
      return { ...state, balance: BigInt(event.data.balance), version };
    case 'OwnerChanged':
      return { ...state, owner: event.data.owner, version };
    case 'AccountClosed':
      return { ...state, status: 'CLOSED', version };
    default: {
      const never: never = event;
      throw new Error(`unknown account event ${JSON.stringify(never)}`);
    }
  }
}

export const accountDecider: Decider<AccountCommand, AccountState, AccountEvent> = {
  decide,
  evolve,
  initialState: () => ({ status: 'NONE', owner: '', balance: 0n, version: 0 }),
};

/** Snapshot form: JSON has no bigint, so the balance travels as a digit string. */
export function encodeAccountState(state: AccountState): string {
  return JSON.stringify({ ...state, balance: state.balance.toString() });
}

export function decodeAccountState(text: string): AccountState {
  const raw = JSON.parse(text) as Omit<AccountState, 'balance'> & { balance: string };
  return { ...raw, balance: BigInt(raw.balance) };
}
