import type { RecordedEvent } from '@ledger/platform';

/** Decimal digit string of minor units (events never carry floats). */
export type MoneyString = string;

export const ACCOUNT = 'Account';
export const TRANSACTION = 'Transaction';

/**
 * Money moving into or out of an account (schema version 2). Version 1 did not record what kind of
 * transaction moved it nor the other account: upcast, those events carry `kind: null`, and a reader
 * that needs them takes them from the transaction.
 */
export interface MoneyMoved {
  readonly amount: MoneyString;
  /** Balance after the move. */
  readonly balance: MoneyString;
  readonly transactionId: string;
  /** The transaction's kind; null only on events recorded before schema version 2. */
  readonly kind: TransactionKind | null;
  /** The other account of a transfer (null for deposits and withdrawals, and when `kind` is null). */
  readonly counterparty: string | null;
}

export type AccountEventData =
  | { readonly type: 'AccountOpened'; readonly data: { readonly owner: string } }
  | {
      readonly type: 'MoneyDeposited';
      readonly data: MoneyMoved & {
        /** Set when the deposit gives back a withdrawal of a failed transfer. */
        readonly refund?: boolean;
      };
    }
  | { readonly type: 'MoneyWithdrawn'; readonly data: MoneyMoved }
  | { readonly type: 'OwnerChanged'; readonly data: { readonly owner: string } }
  | { readonly type: 'AccountClosed'; readonly data: Record<string, never> };

export type TransactionKind = 'DEPOSIT' | 'WITHDRAWAL' | 'TRANSFER';
export type TransactionStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED';

export type TransactionEventData =
  | {
      readonly type: 'TransactionRequested';
      readonly data: {
        readonly kind: TransactionKind;
        readonly from: string | null;
        readonly to: string | null;
        readonly amount: MoneyString;
      };
    }
  | {
      readonly type: 'TransactionSucceeded';
      /** Positions of the account events the transaction produced, for read-your-writes. */
      readonly data: { readonly positions: readonly string[] };
    }
  | {
      readonly type: 'TransactionFailed';
      readonly data: { readonly reason: string; readonly positions: readonly string[] };
    };

/** A new event as a decider emits it: type and data only; the store adds the envelope. */
export type AccountEvent = AccountEventData;
export type TransactionEvent = TransactionEventData;
export type LedgerEventData = AccountEventData | TransactionEventData;

export type RecordedAccountEvent = RecordedEvent<AccountEventData['type']> & AccountEventData;
export type RecordedTransactionEvent = RecordedEvent<TransactionEventData['type']> & TransactionEventData;
export type LedgerEvent = RecordedAccountEvent | RecordedTransactionEvent;

export const ACCOUNT_EVENT_TYPES = [
  'AccountOpened',
  'MoneyDeposited',
  'MoneyWithdrawn',
  'OwnerChanged',
  'AccountClosed',
] as const;
export const TRANSACTION_EVENT_TYPES = ['TransactionRequested', 'TransactionSucceeded', 'TransactionFailed'] as const;

/** Current schema version of each event type; the codec upcasts older versions (see upcast.ts). */
export const SCHEMA_VERSIONS: Readonly<Record<LedgerEventData['type'], number>> = {
  AccountOpened: 1,
  MoneyDeposited: 2,
  MoneyWithdrawn: 2,
  OwnerChanged: 1,
  AccountClosed: 1,
  TransactionRequested: 1,
  TransactionSucceeded: 1,
  TransactionFailed: 1,
};
