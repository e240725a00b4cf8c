import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
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

// Another connection holding the write lock of a file not yet in WAL mode, for `holdMs`, then putting
// it in WAL mode (on a thread, as another process would).
const CONVERTER = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path);
db.exec('CREATE TABLE made (id INTEGER)');
db.exec('BEGIN IMMEDIATE');
db.exec('INSERT INTO made (id) VALUES (1)');
parentPort.postMessage('locked');
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, workerData.holdMs);
db.exec('COMMIT');
db.pragma('journal_mode = WAL');
db.close();
`;

/** Opens `file` (`open`) while another holds its write lock in rollback mode; how long `open` took. */
async function openWhileLocked<T>(file: string, holdMs: number, open: () => T): Promise<{ value: T; ms: number }> {
  const module = createRequire(import.meta.url).resolve('better-sqlite3');
  const converter = new Worker(CONVERTER, { eval: true, workerData: { module, path: file, holdMs } });
  const exited = new Promise((resolve) => converter.once('exit', resolve));
  try {
    await new Promise((resolve, reject) => converter.once('message', resolve).once('error', reject));
    const from = Date.now();
    const value = open();
    return { value, ms: Date.now() - from };
  } finally {
    await exited;
  }
}

test('a connection opened while another process holds the new file waits for it, up to its busy timeout', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-connection-'));
  try {
    // SQLite alone answers at once: its busy handler is not called for this lock.
    const plainFile = path.join(dir, 'plain.db');
    const plain = await openWhileLocked(plainFile, 300, () => {
      const db = new Database(plainFile, { timeout: 5_000 });
      try {
        return db.pragma('journal_mode = WAL', { simple: true });
      } catch (error) {
        return (error as { code?: string }).code;
      } finally {
        db.close();
      }
    });
    assert.deepEqual([plain.value, plain.ms < 250], ['SQLITE_BUSY', true], 'the check sees the lock');

    const waitedFile = path.join(dir, 'waited.db');
    const waited = await openWhileLocked(waitedFile, 300, () => openStoreConnection(waitedFile, 'FULL', 5_000));
    assert.ok(waited.ms >= 250, `it waited for the other commit (${waited.ms} ms)`);
    assert.equal(waited.value.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(waited.value.prepare(`SELECT count(*) FROM made`).pluck().get(), 1, "it sees the other's commit");
    waited.value.close();

    // Held longer than the busy timeout: SQLITE_BUSY, after that timeout.
    const refusedFile = path.join(dir, 'refused.db');
    const refused = await openWhileLocked(refusedFile, 1_500, () => {
      try {
        openStoreConnection(refusedFile, 'FULL', 300).close();
        return 'opened';
      } catch (error) {
        return (error as { code?: string }).code;
      }
    });
    assert.equal(refused.value, 'SQLITE_BUSY');
    assert.ok(refused.ms >= 250 && refused.ms < 1_400, `refused after ${refused.ms} ms`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
