import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openStoreConnection } from './writer.js';

// SQLite names its temporary files etilqs_*; an open one shows among the process's descriptors.
const openTemporaryFiles = (): string[] =>
  fs
    .readdirSync('/proc/self/fd')
    .map((fd) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return '';
      }
    })
    .filter((target) => target.includes('etilqs_'));

/**
 * Rewrites 200 rows of 4 KiB inside a savepoint of an open transaction (as a store batch does for
 * each append), so that the statement journal outgrows SQLite's 64 KiB in memory, and answers which
 * temporary files were open meanwhile.
 */
function temporaryFilesDuringSavepoint(db: Database.Database): string[] {
  db.exec('CREATE TABLE pages (id INTEGER PRIMARY KEY, body BLOB)');
  const insert = db.prepare('INSERT INTO pages (id, body) VALUES (?, randomblob(4000))');
  db.transaction(() => {
    for (let id = 0; id < 200; id++) insert.run(id);
  })();
  let open: string[] = [];
  db.transaction(() => {
    db.transaction(() => {
      db.exec('UPDATE pages SET body = randomblob(4000)');
      open = openTemporaryFiles();
    })();
  })();
  return open;
}

const onLinux = process.platform === 'linux';

test('a savepoint of the store keeps its statement journal in memory', { skip: !onLinux }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-connection-'));
  try {
    // The same work on a connection with SQLite's defaults: the journal goes to a temporary file.
    const plain = new Database(path.join(dir, 'plain.db'));
    plain.pragma('journal_mode = WAL');
    assert.notDeepEqual(temporaryFilesDuringSavepoint(plain), [], 'the check sees a spilled journal');
    plain.close();

    const store = openStoreConnection(path.join(dir, 'events.db'), 'FULL', 1_000);
    assert.deepEqual(temporaryFilesDuringSavepoint(store), []);
    assert.equal(store.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(store.pragma('synchronous', { simple: true }), 2);
    store.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
