/** Stable error codes shared by every service; each edge translates them once. */
export type ErrorCode =
  | 'VALIDATION'
  | 'NOT_FOUND'
  | 'CONCURRENCY'
  | 'ILLEGAL_STATE'
  | 'IDEMPOTENCY_MISMATCH'
  | 'UNAVAILABLE'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN';

export class LedgerError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends LedgerError {
  constructor(message: string) {
    super('VALIDATION', message);
  }
}

export class NotFoundError extends LedgerError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

export class ConcurrencyError extends LedgerError {
  constructor(
    readonly aggregateId: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super('CONCURRENCY', `aggregate ${aggregateId}: expected version ${expected}, found ${actual}`);
  }
}

/** A command that the current state forbids (overdraft, closed account, ...). */
export class IllegalStateError extends LedgerError {
  constructor(message: string) {
    super('ILLEGAL_STATE', message);
  }
}

export class IdempotencyMismatchError extends LedgerError {
  constructor(readonly key: string) {
    super('IDEMPOTENCY_MISMATCH', `idempotency key "${key}" was already used with other arguments`);
  }
}

export class UnavailableError extends LedgerError {
  constructor(message: string) {
    super('UNAVAILABLE', message);
  }
}

/** No credentials, or credentials that are invalid or expired. */
export class UnauthenticatedError extends LedgerError {
  constructor(message: string) {
    super('UNAUTHENTICATED', message);
  }
}

/** Known caller, not allowed to do this. */
export class ForbiddenError extends LedgerError {
  constructor(message: string) {
    super('FORBIDDEN', message);
  }
}

export function isLedgerError(error: unknown): error is LedgerError {
  return error instanceof LedgerError;
}
