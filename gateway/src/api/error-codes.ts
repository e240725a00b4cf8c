import { isLedgerError } from '@ledger/platform';
import type { ErrorCode } from '@ledger/platform';

/** How an error reaches a client: a stable code (GraphQL `extensions.code`) and an HTTP status. */
export interface ClientError {
  readonly code: string;
  readonly message: string;
  readonly status: number;
}

const CLIENT_ERRORS: Partial<Record<ErrorCode, { code: string; status: number }>> = {
  VALIDATION: { code: 'BAD_USER_INPUT', status: 400 },
  IDEMPOTENCY_MISMATCH: { code: 'BAD_USER_INPUT', status: 400 },
  NOT_FOUND: { code: 'NOT_FOUND', status: 404 },
  // The account's state refuses the command (closed, or closing with money left on it).
  ILLEGAL_STATE: { code: 'FAILED_PRECONDITION', status: 409 },
  UNAVAILABLE: { code: 'SERVICE_UNAVAILABLE', status: 503 },
  UNAUTHENTICATED: { code: 'UNAUTHENTICATED', status: 401 },
  FORBIDDEN: { code: 'FORBIDDEN', status: 403 },
};

export const INTERNAL_ERROR: ClientError = {
  code: 'INTERNAL_SERVER_ERROR',
  message: 'Internal server error',
  status: 500,
};

/**
 * The client's view of a LedgerError, or null when the error is not one a client may see (its
 * text could carry database or stack details): the edge then masks it and logs it.
 */
export function clientErrorOf(error: unknown): ClientError | null {
  if (!isLedgerError(error)) return null;
  const mapped = CLIENT_ERRORS[error.code];
  return mapped ? { ...mapped, message: error.message } : null;
}
