import type Database from 'better-sqlite3';
import { IllegalStateError } from '@ledger/platform/core';
import { HISTORY_SCHEMA } from './history.js';
import { SCHEMA, SCHEMA_VERSION, TABLES, TRANSACTIONS_BY_TIME } from './rows.js';

// The indexes of layout 1, which carried the same names as today's.
const LAYOUT_1_INDEXES = ['accounts_by_owner', 'transactions_by_from', 'transactions_by_to', 'balance_history_by_time'];

/**
 * Brings the file to the current layout (`PRAGMA user_version`), inside the caller's write
 * transaction: creates the tables of a new file, and moves a layout-1 file (generations as text in
 * every row, no user_version) to the current one, keeping its active generation (the one queries
 * read; the others were rebuilds under way, or dropped and not yet purged), so that an upgraded
 * system shows what it showed before at once. A file of a newer layout is refused.
 */
export function prepareLayout(db: Database.Database, file: string, alias: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version === SCHEMA_VERSION) return;
  if (version > SCHEMA_VERSION) {
    throw new IllegalStateError(
      `read model ${file} has layout ${version}, newer than this version's (${SCHEMA_VERSION})`,
    );
  }
  if (version === 2) {
    // Layout 3 only adds an index: built once, as the file opens.
    db.exec(TRANSACTIONS_BY_TIME);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
    return;
  }
  const present = new Set(
    db
      .prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table'")
      .pluck()
      .all()
      .filter((name) => TABLES.includes(name)),
  );
  for (const index of LAYOUT_1_INDEXES) db.exec(`DROP INDEX IF EXISTS ${index}`);
  for (const table of present) db.exec(`ALTER TABLE ${table} RENAME TO layout1_${table}`);
  db.exec(SCHEMA + HISTORY_SCHEMA);
  const active = present.has('alias')
    ? db.prepare<[string], string>('SELECT generation FROM layout1_alias WHERE name = ?').pluck().get(alias)
    : undefined;
  if (active !== undefined && present.has('generations')) {
    const createdAt =
      db.prepare<[string], string>('SELECT created_at FROM layout1_generations WHERE id = ?').pluck().get(active) ??
      new Date().toISOString();
    const key = Number(
      db.prepare('INSERT INTO generations (id, created_at) VALUES (?, ?)').run(active, createdAt).lastInsertRowid,
    );
    db.prepare('INSERT INTO alias (name, generation) VALUES (?, ?)').run(alias, key);
    for (const table of ['checkpoints', 'accounts', 'transactions', 'balance_history']) {
      if (present.has(table)) copyGeneration(db, table, active, key);
    }
  }
  for (const table of present) db.exec(`DROP TABLE layout1_${table}`);
  db.pragma(`user_version = ${SCHEMA_VERSION}`);
}

/** Copies a layout-1 table's rows of `generation` under its new `key`; a column it lacks is null. */
function copyGeneration(db: Database.Database, table: string, generation: string, key: number): void {
  const columnsOf = (name: string) =>
    db
      .prepare<[], { name: string }>(`PRAGMA table_info(${name})`)
      .all()
      .map((column) => column.name)
      .filter((column) => column !== 'generation');
  const old = new Set(columnsOf(`layout1_${table}`));
  const columns = columnsOf(table);
  const values = columns.map((column) => (old.has(column) ? column : 'NULL'));
  db.prepare(
    `INSERT INTO ${table} (generation, ${columns.join(', ')})
     SELECT ?, ${values.join(', ')} FROM layout1_${table} WHERE generation = ?`,
  ).run(key, generation);
}
