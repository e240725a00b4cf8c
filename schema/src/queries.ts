import type { AccountView, TransactionView } from './views.js';

// The read side's query API: implemented by the projector's read models (SQLite, Elasticsearch) and
// used by the gateway, which needs nothing else of the projector.

export interface AccountPage {
  readonly accounts: readonly AccountView[];
  readonly hasNextPage: boolean;
  readonly totalCount: number;
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

/** Queries of the active generation of the balance read model. */
export interface LedgerQueries {
  /** Checkpoint (last applied sequence) of every partition: what read-your-writes waits on. */
  checkpoints(): Promise<number[]>;
  getAccount(id: string): Promise<AccountView | null>;
  listAccounts(query: { owner?: string; first: number; after?: AccountCursor }): Promise<AccountPage>;
  getTransaction(id: string): Promise<TransactionView | null>;
  listTransactions(accountId: string, query: { first: number; after?: TransactionCursor }): Promise<TransactionPage>;
}
