export * from './event-codec.js';
export type {
  AccountStatus,
  AccountView,
  TransactionView,
  BalanceChange,
  BalanceEntry,
  BalanceNotice,
  CheckpointAdvanced,
  PartitionsAppended,
  PartitionProgress,
} from './views.js';
export { notifySubjects } from './views.js';
export { loadLedgerProto, grpcChannel, LEDGER_PROTO_PATH } from './grpc.js';
export type {
  ProtoGrpcType,
  CommandServiceClient,
  CommandServiceHandlers,
  EventStoreClient,
  EventStoreHandlers,
  GrpcEvent,
  GrpcEventOutput,
  GrpcEventPage,
  GrpcEventPageOutput,
  GrpcReplayRequest,
  GrpcTransactionReply,
} from './grpc.js';
export { LEDGER_ERROR_CODE_KEY, ledgerErrorToStatus, ledgerErrorFromGrpc } from './grpc-errors.js';
export type { GrpcErrorStatus } from './grpc-errors.js';
export { traceContextInterceptor, traceFromGrpc } from './grpc-trace.js';
export { requireServiceSecret, serviceAuthInterceptors, serviceSecretInterceptor } from './grpc-service-auth.js';
export type { CommandAudit, LedgerCommands, TransactionAccepted, AccountOpened, AccountChanged } from './commands.js';
export {
  commandInput,
  isUuid,
  requireId,
  requireOwner,
  requireAmount,
  optionalIdempotencyKey,
  requireDistinctAccounts,
  requirePageSize,
  MAX_OWNER_LENGTH,
  MAX_ACTOR_LENGTH,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  MAX_PAGE_SIZE,
  DEFAULT_PAGE_SIZE,
} from './command-input.js';
export type {
  LedgerQueries,
  AccountPage,
  TransactionPage,
  AccountCursor,
  TransactionCursor,
  BalanceEntryCursor,
  BalanceEntryPage,
  StatementQuery,
  BalanceChangesQuery,
} from './queries.js';
export { auditFromGrpc, auditToGrpc } from './grpc-audit.js';
