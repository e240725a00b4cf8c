export { projectBalance, evolveAccount, evolveTransaction, documentIds } from './domain/balance-projection.js';
export type { ProjectionNotification, ProjectionResult, ProjectionState } from './domain/balance-projection.js';
export type {
  ReadModel,
  ProjectionBatch,
  CommitResult,
  AccountCursor,
  AccountPage,
  TransactionCursor,
  TransactionPage,
} from './ports/read-model.js';
export type { EventSource, LogProgress, ReplayRequest } from './ports/event-source.js';
export type { ProjectorMetrics } from './ports/metrics.js';
export { noProjectorMetrics } from './ports/metrics.js';
export { createPrometheusProjectorMetrics, registerProjectionGauges } from './adapters/prometheus/projector-metrics.js';
export { createSqliteReadModel } from './adapters/sqlite/read-model.js';
export type { SqliteReadModelOptions } from './adapters/sqlite/read-model.js';
export { applyEvents } from './application/apply-events.js';
export type { AppliedEvents } from './application/apply-events.js';
export { createProjectorTask } from './application/projector.js';
export type { ProjectorTaskOptions } from './application/projector.js';
export { readPartitionProgress } from './application/partition-progress.js';
export type { PartitionProgress, PartitionProgressOptions } from './application/partition-progress.js';
export { rebuildBalance } from './application/rebuild.js';
export type { RebuildOptions, RebuildPhase, RebuildProgress, RebuildResult } from './application/rebuild.js';
export type { LaneRequest, PartitionClaims, RebuildLane } from './application/rebuild-lane.js';
export { createGrpcEventSource } from './adapters/grpc/event-source.js';
export type { GrpcEventSourceOptions } from './adapters/grpc/event-source.js';
export { createInProcessEventSource } from './adapters/in-process/event-source.js';
export type { LocalEventLog } from './adapters/in-process/event-source.js';
// The Elasticsearch adapter is the `@ledger/projector/elastic` entry, loaded only when configured.
