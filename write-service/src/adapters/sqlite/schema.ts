/** Tables of the embedded event store. Sequences come from `heads`, bumped inside the append transaction. */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS store_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
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
  occurred_at TEXT NOT NULL,
  PRIMARY KEY (partition, sequence),
  UNIQUE (aggregate_id, version)
) WITHOUT ROWID;
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
