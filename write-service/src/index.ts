// Ports
export type {
  EventStore,
  NewEvent,
  AppendRequest,
  AppendResult,
  IdempotencyRecord,
  Snapshot,
} from './ports/event-store.js';

export type { WriteMetrics } from './ports/metrics.js';
export { noWriteMetrics } from './ports/metrics.js';

// Adapters
export { createPrometheusWriteMetrics, registerStoreGauges } from './adapters/prometheus/write-metrics.js';
export { createSqliteEventStore } from './adapters/sqlite/event-store.js';
export type { SqliteEventStoreOptions } from './adapters/sqlite/event-store.js';
// The MongoDB adapter is the `@ledger/write-service/mongo` entry, loaded only when configured.

// Domain
export type { Decider } from './domain/decider.js';
export { evolveAll } from './domain/decider.js';
export { accountDecider } from './domain/account.js';
export type { AccountCommand, AccountState, AccountLifecycle } from './domain/account.js';
export { transactionDecider } from './domain/transaction.js';
export type { TransactionCommand, TransactionState, TransactionLifecycle } from './domain/transaction.js';

// Application
export type { LedgerCommands, TransactionAccepted, AccountOpened } from './application/ledger-commands.js';
export { createCommandService } from './application/command-service.js';
export { timedCommands } from './application/timed-commands.js';
export type { CommandServiceOptions } from './application/command-service.js';
export { createCommandHandler } from './application/command-handler.js';
export { createStateCaches } from './application/state-cache.js';
export type { StateCaches } from './application/state-cache.js';
export type {
  CommandHandler,
  CommandHandlerOptions,
  HandleOptions,
  HandleResult,
} from './application/command-handler.js';
export { accountAggregate, transactionAggregate } from './application/aggregates.js';
export type { Aggregate } from './application/aggregates.js';
export { createSettlementSagaTask, SAGA_WORKER } from './application/saga.js';
export type { SettlementSagaOptions } from './application/saga.js';
export { createForwarderTask, FORWARDER_WORKER } from './application/forwarder.js';
export { shareAppendSignals } from './application/append-signals.js';
export type { SharedAppendSignals } from './application/append-signals.js';
export type { ForwarderOptions } from './application/forwarder.js';
export { readStoreProgress } from './application/store-progress.js';
export { replayEvents, replayPages } from './application/replay-pages.js';
export type { ReplayPagesRequest } from './application/replay-pages.js';
export type { StorePartitionProgress } from './application/store-progress.js';

// API
export { createGrpcServer } from './api/grpc/server.js';
export type { GrpcServer, GrpcServerOptions } from './api/grpc/server.js';
