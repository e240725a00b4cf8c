// What adapters and their worker threads need without loading the logger, metrics or tracing
// (`@ledger/platform` loads them all, about a third of a second): errors, money, positions, turn
// batches, request threads and the SQLite connections' page cache.
export {
  LedgerError,
  ValidationError,
  NotFoundError,
  ConcurrencyError,
  IllegalStateError,
  IdempotencyMismatchError,
  UnavailableError,
  UnauthenticatedError,
  ForbiddenError,
  isLedgerError,
} from './errors.js';
export type { ErrorCode } from './errors.js';
export { MAX_MONEY, MIN_MONEY, parseMoney } from './money.js';
export { partitionOf, formatPosition, parsePosition } from './partition.js';
export type { Position } from './partition.js';
export type { EventMetadata, RecordedEvent } from './envelope.js';
export { createTurnBatch } from './turn-batch.js';
export type { Outcome, TurnBatch } from './turn-batch.js';
export {
  decodeError,
  decodeOutcomes,
  encodeError,
  encodeOutcomes,
  nameThisThread,
  serveRequests,
  startRequestThread,
} from './request-thread.js';
export type { EncodedOutcome, RequestThread, ThreadError } from './request-thread.js';
export { configureSqliteConnection } from './sqlite-connection.js';
