import type { MoneyString, TransactionKind, TransactionStatus } from './events.js';

export type AccountStatus = 'OPEN' | 'CLOSED';

/** An account as the read model serves it. */
export interface AccountView {
  readonly id: string;
  readonly owner: string;
  readonly balance: MoneyString;
  readonly status: AccountStatus;
  readonly version: number;
  /** ISO-8601 time of the last event applied. */
  readonly updatedAt: string;
  /** Position ("p:s") of the last event applied. */
  readonly position: string;
}

/** A transaction (deposit, withdrawal or transfer) as the read model serves it. */
export interface TransactionView {
  readonly id: string;
  readonly kind: TransactionKind;
  readonly from: string | null;
  readonly to: string | null;
  readonly amount: MoneyString;
  readonly status: TransactionStatus;
  readonly failureReason: string | null;
  /** Who asked for it: the actor (JWT `sub`) recorded in its events; null when authentication was off. */
  readonly initiatedBy: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Positions of the account events a settled transaction produced (read-your-writes waits on them). */
  readonly accountPositions: readonly string[];
  readonly position: string;
}

/**
 * One change of one account's balance in its history: immutable, keyed by (account, position).
 * `at` never goes back within an account (the projection keeps each account's times monotonic), so
 * time order and position order agree, and opening + entries = closing over any window.
 */
export interface BalanceEntry {
  readonly accountId: string;
  readonly transactionId: string;
  /** The transaction's kind; null for events recorded before it was (schema version 1). */
  readonly kind: TransactionKind | null;
  /** Signed: positive into the account, negative out of it. */
  readonly amount: MoneyString;
  /** The other account of a transfer. */
  readonly counterparty: string | null;
  readonly balanceAfter: MoneyString;
  readonly at: string;
  /** "<partition>:<sequence>" of the account event. */
  readonly position: string;
}

/** One change of one account's balance, as pushed to subscribers. */
export interface BalanceChange {
  readonly accountId: string;
  readonly balance: MoneyString;
  readonly delta: MoneyString;
  readonly transactionId: string | null;
  readonly position: string;
  readonly at: string;
}

/**
 * What the projector announces on `notifySubjects.balance(accountId)` once a change is committed: its
 * history entry, and the sequence of the account's event before it (0 for none). A follower that has
 * every change of the account up to that sequence can take the entry as it is: no change of the
 * account lies between. Notices can be lost; the history stays the source (see the gateway's balance feed).
 */
export interface BalanceNotice extends BalanceEntry {
  readonly previousSequence: number;
}

export interface CheckpointAdvanced {
  readonly partition: number;
  readonly sequence: number;
}

/**
 * What a write service announces on `notifySubjects.appended` after a turn's appends: the partitions
 * they went to, and which store handle made them (a random id per process), so that the saga and
 * forwarder workers of the other processes sharing the store wake up instead of waiting for their poll;
 * and the aggregates they changed with the version each reached (`[type, id, version]`), so that the
 * others' state caches stop deciding commands on what they kept of them.
 */
export interface PartitionsAppended {
  readonly origin: string;
  readonly partitions: readonly number[];
  readonly aggregates?: ReadonlyArray<readonly [type: string, id: string, version: number]>;
}

/** Notification subjects (NATS core in distributed mode). */
export const notifySubjects = {
  appended: 'ledger.notify.appended',
  balance: (accountId: string) => `ledger.notify.balance.${accountId}`,
  transaction: (transactionId: string) => `ledger.notify.transaction.${transactionId}`,
  checkpoint: (partition: number) => `ledger.notify.checkpoint.${partition}`,
  allBalances: 'ledger.notify.balance.*',
  allTransactions: 'ledger.notify.transaction.*',
  allCheckpoints: 'ledger.notify.checkpoint.*',
} as const;

/** How far one partition has come, from the store to the read model (the operator view, metrics). */
export interface PartitionProgress {
  readonly partition: number;
  /** Last sequence committed in the store. */
  readonly storeHead: number;
  /** Last sequence the forwarder published on the bus. */
  readonly forwarderPosition: number;
  /** Last sequence the settlement saga went past. */
  readonly sagaPosition: number;
  /** Last sequence the active read-model generation applied. */
  readonly checkpoint: number;
  /** Events committed but not yet in the read model. */
  readonly lagEvents: number;
  /** Age of the oldest event not yet in the read model (0 when it has them all). */
  readonly lagSeconds: number;
}
