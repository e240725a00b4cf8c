import type Database from 'better-sqlite3';
import type { BalanceChangesQuery, BalanceEntry, BalanceEntryPage, StatementQuery } from '@ledger/schema';
import { sequenceOf } from '../../domain/balance-projection.js';

/**
 * The balance history: one row per balance change, keyed by (generation key, account, seq). Reading a
 * balance at a moment and a statement's opening are one seek each on (account, at, seq), a
 * statement page and a live feed's catch-up one range scan: the cost depends on the page, never on
 * how long the account's history is.
 */
export const HISTORY_SCHEMA = `
CREATE TABLE IF NOT EXISTS balance_history (
  generation INTEGER NOT NULL,
  account_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  transaction_id TEXT NOT NULL,
  kind TEXT,
  amount TEXT NOT NULL,
  counterparty TEXT,
  balance_after TEXT NOT NULL,
  at TEXT NOT NULL,
  position TEXT NOT NULL,
  PRIMARY KEY (generation, account_id, seq)
);
CREATE INDEX IF NOT EXISTS balance_history_by_time ON balance_history (generation, account_id, at, seq);
`;

interface HistoryRow {
  account_id: string;
  seq: number;
  transaction_id: string;
  kind: string | null;
  amount: string;
  counterparty: string | null;
  balance_after: string;
  at: string;
  position: string;
}

const entryFromRow = (row: HistoryRow): BalanceEntry => ({
  accountId: row.account_id,
  transactionId: row.transaction_id,
  kind: row.kind as BalanceEntry['kind'],
  amount: row.amount,
  counterparty: row.counterparty,
  balanceAfter: row.balance_after,
  at: row.at,
  position: row.position,
});

const page = (rows: HistoryRow[], first: number): BalanceEntryPage => ({
  entries: rows.slice(0, first).map(entryFromRow),
  hasNextPage: rows.length > first,
});

export interface HistoryTable {
  /** Inside the caller's transaction; an entry already there is left as it is. */
  insert(generation: number, entries: readonly BalanceEntry[]): void;
  balanceAt(generation: number, accountId: string, at: string, untilSequence?: number): string;
  statementEntries(generation: number, accountId: string, query: StatementQuery): BalanceEntryPage;
  balanceChanges(generation: number, query: BalanceChangesQuery): BalanceEntryPage;
}

export function createHistoryTable(db: Database.Database): HistoryTable {
  const sql = {
    insert: db.prepare(
      `INSERT INTO balance_history (generation, account_id, seq, transaction_id, kind, amount, counterparty,
         balance_after, at, position)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT DO NOTHING`,
    ),
    balanceAt: db
      .prepare<[number, string, string, number], string>(
        `SELECT balance_after FROM balance_history WHERE generation = ? AND account_id = ? AND at <= ? AND seq <= ?
         ORDER BY at DESC, seq DESC LIMIT 1`,
      )
      .pluck(),
    statement: db.prepare<Record<string, unknown>, HistoryRow>(
      `SELECT * FROM balance_history WHERE generation = @generation AND account_id = @accountId
         AND at > @from AND at <= @to AND (at, seq) > (@afterAt, @afterSeq) AND seq <= @until
       ORDER BY at, seq LIMIT @limit`,
    ),
    // One account at a time: a range of the primary key each. With the accounts as an IN list,
    // SQLite sorts the matches in a temporary tree: five to ten times the cost of a live feed's look.
    changes: db.prepare<[number, string, number, number], HistoryRow>(
      `SELECT * FROM balance_history WHERE generation = ? AND account_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
    ),
  };
  return {
    insert(generation, entries) {
      for (const e of entries) {
        sql.insert.run(
          generation,
          e.accountId,
          sequenceOf(e.position),
          e.transactionId,
          e.kind,
          e.amount,
          e.counterparty,
          e.balanceAfter,
          e.at,
          e.position,
        );
      }
    },
    balanceAt: (generation, accountId, at, untilSequence = Number.MAX_SAFE_INTEGER) =>
      sql.balanceAt.get(generation, accountId, at, untilSequence) ?? '0',
    statementEntries(generation, accountId, query) {
      const first = Math.max(0, query.first);
      const rows = sql.statement.all({
        generation,
        accountId,
        from: query.from,
        to: query.to,
        // Without a cursor the window's start bounds the scan on its own.
        afterAt: query.after?.at ?? '',
        afterSeq: query.after?.sequence ?? 0,
        until: query.untilSequence ?? Number.MAX_SAFE_INTEGER,
        limit: first + 1,
      });
      return page(rows, first);
    },
    balanceChanges(generation, query) {
      const first = Math.max(0, query.first);
      const rows = [...new Set(query.accountIds)]
        .flatMap((accountId) => sql.changes.all(generation, accountId, query.afterSequence, first + 1))
        .sort((a, b) => a.seq - b.seq);
      return page(rows.slice(0, first + 1), first);
    },
  };
}
