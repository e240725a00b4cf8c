// The embedded store and its replay, without the command service, the workers and gRPC: what a
// rebuild's lane (a thread of its own, cli/src/rebuild-lane.ts) loads to read the store.
export { createSqliteEventStore } from './adapters/sqlite/event-store.js';
export { replayEvents } from './application/replay-pages.js';
