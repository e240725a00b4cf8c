import type { MoneyString } from './events.js';
import type { AccountView, BalanceEntry, TransactionView } from './views.js';

// The read side's query API: implemented by the projector's read models (SQLite, Elasticsearch) and
// used by the gateway, which needs nothing else of the projector.

export interface AccountPage {
  readonly accounts: readonly AccountView[];
  readonly hasNextPage: boolean;
}

export interface TransactionPage {
  readonly transactions: readonly TransactionView[];
  readonly hasNextPage: boolean;
}

/** Keyset cursor of the accounts listing: owner ascending, then id. */
export interface AccountCursor {
  readonly owner: string;
  readonly id: string;
}

/** Keyset cursor of an account's transactions: newest first (createdAt, then id, descending). */
export interface TransactionCursor {
  readonly createdAt: string;
  readonly id: string;
}

/** Keyset cursor of an account's history: time, then sequence, ascending (the same order as positions). */
export interface BalanceEntryCursor {
  readonly at: string;
  readonly sequence: number;
}

export interface BalanceEntryPage {
  readonly entries: readonly BalanceEntry[];
  readonly hasNextPage: boolean;
}

/** An account's history in the window `from` < at <= `to`, in order, after the cursor. */
export interface StatementQuery {
  readonly from: string;
  readonly to: string;
  readonly first: number;
  readonly after?: BalanceEntryCursor;
  /** Only changes up to this sequence of the account's partition: a statement read as of one moment. */
  readonly untilSequence?: number;
}

/**
 * The history of some accounts of ONE partition after a sequence, in sequence order, never past
 * the partition's checkpoint: everything the read model has applied there, and nothing it may still
 * fill in below. What a resumable live feed reads.
 */
export interface BalanceChangesQuery {
  readonly partition: number;
  readonly accountIds: readonly string[];
  readonly afterSequence: number;
  readonly first: number;
}

/** Queries of the active generation of the balance read model. */
export interface LedgerQueries {
  /** Checkpoint (last applied sequence) of every partition: what read-your-writes waits on. */
  checkpoints(): Promise<number[]>;
  getAccount(id: string): Promise<AccountView | null>;
  listAccounts(query: { owner?: string; first: number; after?: AccountCursor }): Promise<AccountPage>;
  /**
   * Accounts matching the filter, across all pages. Separate from the pages because an exact count
   * visits every match (Elasticsearch cannot stop at the page): asked only when a client wants it.
   */
  countAccounts(query: { owner?: string }): Promise<number>;
  getTransaction(id: string): Promise<TransactionView | null>;
  listTransactions(accountId: string, query: { first: number; after?: TransactionCursor }): Promise<TransactionPage>;
  /** The newest transactions of every account, newest first (by creation, then id): the operator's view. */
  latestTransactions(query: { first: number }): Promise<readonly TransactionView[]>;
  /**
   * The balance after the account's last change at or before `at` (ISO-8601); "0" before the first.
   * With `untilSequence`, changes past that sequence of the account's partition do not count.
   */
  balanceAt(accountId: string, at: string, untilSequence?: number): Promise<MoneyString>;
  statementEntries(accountId: string, query: StatementQuery): Promise<BalanceEntryPage>;
  balanceChanges(query: BalanceChangesQuery): Promise<BalanceEntryPage>;
}
