/**
 * SQLite's page cache per connection, as the `cache_size` pragma takes it (negative: KiB). better-sqlite3
 * builds SQLite with 16 MB a connection, and `ledger all` holds five connections (the store's writer,
 * its checkpoint connection and its reader; the read model's and its commit thread's), up to 80 MB
 * of pages that the operating system's file cache holds as well. At 4 MB each, RSS after 100,000
 * deposits was about 25 MB lower and the CPU per deposit did not move (see MEASUREMENTS.md).
 */
const SQLITE_CACHE_SIZE = -4_096;

/** What `configureSqliteConnection` needs of a connection (better-sqlite3's `Database`). */
export interface PragmaConnection {
  pragma(source: string, options?: { simple?: boolean }): unknown;
}

const isBusy = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === 'SQLITE_BUSY';

/**
 * Puts the connection in WAL mode. While another connection holds the write lock of a file not yet in
 * WAL mode, SQLite answers `journal_mode = WAL` with SQLITE_BUSY at once, without waiting the busy
 * timeout: two processes opening one new file together (two write services or projectors starting on
 * a new data directory) could fail so. It is tried again every 10 ms until the connection's busy
 * timeout has passed.
 */
function enterWal(db: PragmaConnection): void {
  const deadline = Date.now() + Number(db.pragma('busy_timeout', { simple: true }));
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if (!isBusy(error) || Date.now() >= deadline) throw error;
      Atomics.wait(pause, 0, 0, 10);
    }
  }
}

/**
 * The settings every connection of the embedded store and read model opens with: WAL, the given
 * `synchronous`, the page cache above, and temporary files in memory. The last one is for the
 * savepoints: each append of a store batch, and each live commit of a read-model turn, runs in its
 * own, and SQLite keeps the pages a savepoint could have to restore in a statement journal, a
 * temporary file once it holds more than 64 KiB. On a file, that was about 15 `pwrite` calls a
 * deposit to a deleted temporary file beside the WAL's (strace, saturating deposits). The journal
 * only undoes a savepoint inside an open transaction: a crash is recovered from the WAL as before,
 * so nothing durable changes. Sorts that no index serves are held in memory as well; the ledger's
 * are small (the two sides of a transaction list, each limited to a page).
 */
export function configureSqliteConnection(db: PragmaConnection, synchronous: 'FULL' | 'NORMAL'): void {
  enterWal(db);
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma(`cache_size = ${SQLITE_CACHE_SIZE}`);
  db.pragma('temp_store = MEMORY');
}
