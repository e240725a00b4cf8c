import * as grpc from '@grpc/grpc-js';
import {
  ConcurrencyError,
  ForbiddenError,
  IdempotencyMismatchError,
  IllegalStateError,
  NotFoundError,
  UnauthenticatedError,
  UnavailableError,
  ValidationError,
} from '@ledger/platform';
import type { ErrorCode, LedgerError } from '@ledger/platform';

/** Trailing metadata key carrying the LedgerError code, so clients restore the exact class. */
export const LEDGER_ERROR_CODE_KEY = 'ledger-error-code';
/** Trailing metadata key carrying the constructor fields of errors that have them (JSON). */
const LEDGER_ERROR_FIELDS_KEY = 'ledger-error-fields';

/** One table for both directions, so server and clients cannot drift apart. */
const STATUS_OF: Record<ErrorCode, grpc.status> = {
  VALIDATION: grpc.status.INVALID_ARGUMENT,
  NOT_FOUND: grpc.status.NOT_FOUND,
  IDEMPOTENCY_MISMATCH: grpc.status.ALREADY_EXISTS,
  ILLEGAL_STATE: grpc.status.FAILED_PRECONDITION,
  UNAVAILABLE: grpc.status.UNAVAILABLE,
  CONCURRENCY: grpc.status.ABORTED,
  UNAUTHENTICATED: grpc.status.UNAUTHENTICATED,
  FORBIDDEN: grpc.status.PERMISSION_DENIED,
};

export interface GrpcErrorStatus {
  readonly code: grpc.status;
  readonly details: string;
  readonly metadata: grpc.Metadata;
}

/** The gRPC status a LedgerError travels as: its message is meant for clients. */
export function ledgerErrorToStatus(error: LedgerError): GrpcErrorStatus {
  const metadata = new grpc.Metadata();
  metadata.set(LEDGER_ERROR_CODE_KEY, error.code);
  if (error instanceof IdempotencyMismatchError) {
    metadata.set(LEDGER_ERROR_FIELDS_KEY, JSON.stringify({ key: error.key }));
  } else if (error instanceof ConcurrencyError) {
    const { aggregateId, expected, actual } = error;
    metadata.set(LEDGER_ERROR_FIELDS_KEY, JSON.stringify({ aggregateId, expected, actual }));
  }
  return { code: STATUS_OF[error.code], details: error.message, metadata };
}

/**
 * Restores the LedgerError a server sent; transport failures (UNAVAILABLE, DEADLINE_EXCEEDED) become
 * UnavailableError; anything else stays a plain Error (callers mask it).
 */
export function ledgerErrorFromGrpc(error: unknown): Error {
  if (!isServiceError(error)) return error instanceof Error ? error : new Error(String(error));
  const code = error.metadata?.get(LEDGER_ERROR_CODE_KEY)[0];
  const fields = parseFields(error.metadata?.get(LEDGER_ERROR_FIELDS_KEY)[0]);
  const details = error.details;
  switch (code) {
    case 'VALIDATION':
      return new ValidationError(details);
    case 'NOT_FOUND':
      return new NotFoundError(details);
    case 'IDEMPOTENCY_MISMATCH':
      return new IdempotencyMismatchError(String(fields.key ?? ''));
    case 'ILLEGAL_STATE':
      return new IllegalStateError(details);
    case 'UNAVAILABLE':
      return new UnavailableError(details);
    case 'UNAUTHENTICATED':
      return new UnauthenticatedError(details);
    case 'FORBIDDEN':
      return new ForbiddenError(details);
    case 'CONCURRENCY':
      return new ConcurrencyError(String(fields.aggregateId ?? ''), Number(fields.expected), Number(fields.actual));
  }
  if (error.code === grpc.status.UNAVAILABLE || error.code === grpc.status.DEADLINE_EXCEEDED) {
    // The transport's text (addresses, socket errors) stays in `cause`, out of client-facing messages.
    const unavailable = new UnavailableError('write service unavailable');
    unavailable.cause = error;
    return unavailable;
  }
  return new Error(details, { cause: error });
}

function isServiceError(error: unknown): error is grpc.ServiceError {
  return error instanceof Error && typeof (error as Partial<grpc.ServiceError>).code === 'number';
}

function parseFields(value: grpc.MetadataValue | undefined): Record<string, unknown> {
  if (typeof value !== 'string') return {};
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
