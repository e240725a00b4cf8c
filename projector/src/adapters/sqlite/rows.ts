import type { AccountView, TransactionView } from '@ledger/schema';

/**
 * The layout of the tables below, kept in the file (`PRAGMA user_version`; layout.ts moves an older
 * file to it). 1 had no number; 2: a generation's integer key in every row, partial indexes; 3: the
 * transactions by time (the operator's latest), made on a file of layout 2 as it opens.
 */
export const SCHEMA_VERSION = 3;

/** Layout 3's index: every transaction of a generation by time, newest read first. */
export const TRANSACTIONS_BY_TIME = `CREATE INDEX IF NOT EXISTS transactions_by_time ON transactions (generation, created_at, id);`;

/** Every table of the read model, the balance history's too. */
export const TABLES = [
  'generations',
  'alias',
  'swap_locks',
  'checkpoints',
  'accounts',
  'transactions',
  'balance_history',
];

/**
 * Documents of every generation share the tables, keyed by (generation, id); `seq` is the
 * sequence of the document's position, the guard that keeps an older write from landing. Money is
 * TEXT so that 64-bit values round-trip exactly (SQLite INTEGER would come back as a JS number).
 *
 * A generation's id (what the ReadModel port names) is text; rows carry its `key`, a small
 * integer that starts every primary key and index, so it costs a byte per entry, not the id's
 * twenty. AUTOINCREMENT: a dropped generation's key is never given again while its rows may still
 * be waiting to be purged. An account's transactions are found by `from_account` or `to_account`;
 * a deposit has no `from` and a withdrawal no `to`, so each index holds only the rows it can find.
 */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS generations (
  key INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS alias (
  name TEXT PRIMARY KEY,
  generation INTEGER NOT NULL
);
-- At most one row per alias: the generation swapping in and when its lock lapses (ms since epoch).
CREATE TABLE IF NOT EXISTS swap_locks (
  name TEXT PRIMARY KEY,
  generation INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS checkpoints (
  generation INTEGER NOT NULL,
  partition INTEGER NOT NULL,
  sequence INTEGER NOT NULL,
  PRIMARY KEY (generation, partition)
);
CREATE TABLE IF NOT EXISTS accounts (
  generation INTEGER NOT NULL,
  id TEXT NOT NULL,
  owner TEXT NOT NULL,
  balance TEXT NOT NULL,
  status TEXT NOT NULL,
  version INTEGER NOT NULL,
  updated_at TEXT NOT NULL,
  position TEXT NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (generation, id)
);
CREATE INDEX IF NOT EXISTS accounts_by_owner ON accounts (generation, owner, id);
CREATE TABLE IF NOT EXISTS transactions (
  generation INTEGER NOT NULL,
  id TEXT NOT NULL,
  kind TEXT NOT NULL,
  from_account TEXT,
  to_account TEXT,
  amount TEXT NOT NULL,
  status TEXT NOT NULL,
  failure_reason TEXT,
  initiated_by TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  account_positions TEXT NOT NULL,
  position TEXT NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (generation, id)
);
CREATE INDEX IF NOT EXISTS transactions_by_from ON transactions (generation, from_account, created_at, id)
  WHERE from_account IS NOT NULL;
CREATE INDEX IF NOT EXISTS transactions_by_to ON transactions (generation, to_account, created_at, id)
  WHERE to_account IS NOT NULL;
${TRANSACTIONS_BY_TIME}
`;

export interface AccountRow {
  id: string;
  owner: string;
  balance: string;
  status: string;
  version: number;
  updated_at: string;
  position: string;
}

export interface TransactionRow {
  id: string;
  kind: string;
  from_account: string | null;
  to_account: string | null;
  amount: string;
  status: string;
  failure_reason: string | null;
  initiated_by: string | null;
  created_at: string;
  updated_at: string;
  account_positions: string;
  position: string;
}

export function accountFromRow(row: AccountRow): AccountView {
  return {
    id: row.id,
    owner: row.owner,
    balance: row.balance,
    status: row.status as AccountView['status'],
    version: row.version,
    updatedAt: row.updated_at,
    position: row.position,
  };
}

export function transactionFromRow(row: TransactionRow): TransactionView {
  return {
    id: row.id,
    kind: row.kind as TransactionView['kind'],
    from: row.from_account,
    to: row.to_account,
    amount: row.amount,
    status: row.status as TransactionView['status'],
    failureReason: row.failure_reason,
    initiatedBy: row.initiated_by ?? null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    accountPositions: JSON.parse(row.account_positions) as string[],
    position: row.position,
  };
}

// Positional, in the column order of the upserts in read-model.ts: binding an array costs less than
// binding an object by name, and a rebuild binds one per document.
export function accountParams(generation: number, account: AccountView, seq: number) {
  return [
    generation,
    account.id,
    account.owner,
    account.balance,
    account.status,
    account.version,
    account.updatedAt,
    account.position,
    seq,
  ];
}

export function transactionParams(generation: number, transaction: TransactionView, seq: number) {
  return [
    generation,
    transaction.id,
    transaction.kind,
    transaction.from,
    transaction.to,
    transaction.amount,
    transaction.status,
    transaction.failureReason,
    transaction.initiatedBy,
    transaction.createdAt,
    transaction.updatedAt,
    JSON.stringify(transaction.accountPositions),
    transaction.position,
    seq,
  ];
}
