import { MAX_MONEY, ValidationError } from '@ledger/platform';

// The rules every LedgerCommands input follows, in one place: the gateway checks them before it sends
// a command, the write service again before it writes (its gRPC API is public too). Each rule returns
// the value in its one stored form (ids lower case, owner trimmed) or throws ValidationError.

export const MAX_OWNER_LENGTH = 200;
/** The longest actor a command may name (under jwt, the token's `sub`). */
export const MAX_ACTOR_LENGTH = 200;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

/** An account or transaction id: a UUID, stored in lower case. */
export function requireId(value: unknown, field: string): string {
  if (!isUuid(value)) throw new ValidationError(`${field} must be a UUID`);
  return value.toLowerCase();
}

/** An account owner: trimmed, not empty, at most MAX_OWNER_LENGTH characters. */
export function requireOwner(value: unknown): string {
  const owner = typeof value === 'string' ? value.trim() : '';
  if (owner === '') throw new ValidationError('owner must not be empty');
  // Control characters (NUL among them) and unpaired surrogates (in a u-mode pattern, \p{Cs} matches only
  // those), which no text encoding keeps as sent.
  if (/[\p{Cc}\p{Cs}]/u.test(owner)) {
    throw new ValidationError('owner must not hold control characters or unpaired surrogates');
  }
  if (owner.length > MAX_OWNER_LENGTH) {
    throw new ValidationError(`owner must be at most ${MAX_OWNER_LENGTH} characters`);
  }
  return owner;
}

/** An amount that moves money: a positive number of minor units within a signed 64-bit integer. */
export function requireAmount(amount: unknown, field = 'amount'): bigint {
  if (typeof amount !== 'bigint' || amount <= 0n || amount > MAX_MONEY) {
    throw new ValidationError(`${field} must be a positive integer number of minor units within 64 bits`);
  }
  return amount;
}

/** An optional client idempotency key: absent, or 1 to MAX_IDEMPOTENCY_KEY_LENGTH characters. */
export function optionalIdempotencyKey(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new ValidationError(`idempotencyKey must have 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
  }
  return value;
}

export function requireDistinctAccounts(from: string, to: string): void {
  if (from === to) throw new ValidationError('from and to must be different accounts');
}

/** A page size (`first`): 1 to MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE when absent. */
export function requirePageSize(first: number | null | undefined, fallback = DEFAULT_PAGE_SIZE): number {
  const size = first ?? fallback;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new ValidationError(`first must be between 1 and ${MAX_PAGE_SIZE}`);
  }
  return size;
}

type Keyed = { readonly idempotencyKey?: string | null };
type Normal<T> = Omit<T, 'idempotencyKey'> & { readonly idempotencyKey?: string };

/**
 * Each command's input in its stored form, or a ValidationError naming the first bad field.
 * Fields other than the checked ones (correlationId, consistency, ...) pass through unchanged.
 */
export const commandInput = {
  openAccount<T extends { owner: string }>(input: T): T {
    return { ...input, owner: requireOwner(input.owner) };
  },
  closeAccount<T extends { accountId: string }>(input: T): T {
    return { ...input, accountId: requireId(input.accountId, 'accountId') };
  },
  changeOwner<T extends { accountId: string; owner: string }>(input: T): T {
    return { ...input, accountId: requireId(input.accountId, 'accountId'), owner: requireOwner(input.owner) };
  },
  deposit<T extends Keyed & { accountId: string; amount: bigint }>(input: T): Normal<T> {
    return {
      ...input,
      accountId: requireId(input.accountId, 'accountId'),
      amount: requireAmount(input.amount),
      idempotencyKey: optionalIdempotencyKey(input.idempotencyKey),
    };
  },
  withdraw<T extends Keyed & { accountId: string; amount: bigint }>(input: T): Normal<T> {
    return commandInput.deposit(input);
  },
  transfer<T extends Keyed & { from: string; to: string; amount: bigint }>(input: T): Normal<T> {
    const from = requireId(input.from, 'from');
    const to = requireId(input.to, 'to');
    requireDistinctAccounts(from, to);
    return {
      ...input,
      from,
      to,
      amount: requireAmount(input.amount),
      idempotencyKey: optionalIdempotencyKey(input.idempotencyKey),
    };
  },
};
