/**
 * Tables of the embedded event store. Sequences come from `heads`, bumped inside the append transaction.
 *
 * `events` keeps its rows in append order (a rowid table) and finds a partition's or an aggregate's
 * events through its unique indexes. Kept in (partition, sequence) order instead (`WITHOUT ROWID`,
 * the layout of older stores), every commit wrote a page at each partition's end of the table and
 * split one there every few events: with 16 partitions the writer wrote 39 KB a deposit where it now
 * writes 23 KB (MEASUREMENTS.md). Reading a partition now visits pages that hold the other
 * partitions' events too, which is slower (a rebuild reads that way), and the appends are the hot path.
 * A store made with the old layout keeps it: every statement here reads and writes both.
 */
const EVENT_COLUMN_DEFINITIONS = `
  partition INTEGER NOT NULL,
  sequence INTEGER NOT NULL,
  event_id TEXT NOT NULL UNIQUE,
  aggregate_type TEXT NOT NULL,
  aggregate_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  type TEXT NOT NULL,
  schema_version INTEGER NOT NULL,
  data TEXT NOT NULL,
  metadata TEXT NOT NULL,
  occurred_at TEXT NOT NULL,`;

/** The events table as older stores have it, ordered by (partition, sequence); they keep it. */
export const CLUSTERED_EVENTS_TABLE = `CREATE TABLE events (${EVENT_COLUMN_DEFINITIONS}
  PRIMARY KEY (partition, sequence),
  UNIQUE (aggregate_id, version)
) WITHOUT ROWID`;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS store_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (${EVENT_COLUMN_DEFINITIONS}
  UNIQUE (partition, sequence),
  UNIQUE (aggregate_id, version)
);
CREATE TABLE IF NOT EXISTS heads (
  partition INTEGER PRIMARY KEY,
  sequence INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS idempotency (
  key TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  result TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS snapshots (
  aggregate_id TEXT PRIMARY KEY,
  aggregate_type TEXT NOT NULL,
  version INTEGER NOT NULL,
  state TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints (
  worker TEXT NOT NULL,
  partition INTEGER NOT NULL,
  sequence INTEGER NOT NULL,
  token INTEGER NOT NULL,
  PRIMARY KEY (worker, partition)
) WITHOUT ROWID;
`;
