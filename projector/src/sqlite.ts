// The SQLite read model and a rebuild's lane, without the projector's workers, metrics and gRPC: what
// a rebuild's lane (a thread of its own, cli/src/rebuild-lane.ts) loads.
export { openSqliteReadModel } from './adapters/sqlite/read-model.js';
export { createInProcessEventSource } from './adapters/in-process/event-source.js';
export { claimedPages, copyPages, partitionClaims } from './application/rebuild-lane.js';
