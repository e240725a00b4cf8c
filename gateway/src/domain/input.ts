import { ValidationError } from '@ledger/platform';

/** Checks on command input made before anything is sent to the write service. */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: string): boolean => UUID.test(value);

export function requireId(value: string, field: string): string {
  if (!isUuid(value)) throw new ValidationError(`${field} must be an account or transaction id (UUID)`);
  return value.toLowerCase();
}

export const MAX_OWNER_LENGTH = 200;

export function requireOwner(value: string): string {
  if (value.trim().length === 0) throw new ValidationError('owner must not be empty');
  if (value.length > MAX_OWNER_LENGTH)
    throw new ValidationError(`owner must be at most ${MAX_OWNER_LENGTH} characters`);
  return value;
}

export function requirePositiveAmount(amount: bigint, field = 'amount'): bigint {
  if (amount <= 0n) throw new ValidationError(`${field} must be a positive integer number of minor units`);
  return amount;
}

export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

export function optionalIdempotencyKey(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (value.length === 0 || value.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new ValidationError(`idempotencyKey must have 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
  }
  return value;
}

export function requireDistinctAccounts(from: string, to: string): void {
  if (from === to) throw new ValidationError('from and to must be different accounts');
}

export const MAX_PAGE_SIZE = 100;

export function requirePageSize(first: number | null | undefined, fallback = 20): number {
  const size = first ?? fallback;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new ValidationError(`first must be between 1 and ${MAX_PAGE_SIZE}`);
  }
  return size;
}
