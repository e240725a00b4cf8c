import { createHash } from 'node:crypto';
import { ValidationError } from '@ledger/platform';
import type { AccountCursor, BalanceEntryCursor, TransactionCursor } from '@ledger/schema';

/**
 * Opaque pagination cursors: base64url of a small tagged JSON array. The tag keeps a cursor of one
 * listing from being accepted by another; clients must not rely on the content.
 */
const encode = (value: readonly unknown[]): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

function decode(text: string, tag: string): [string, string] {
  let value: unknown;
  try {
    if (!/^[A-Za-z0-9_-]{1,1024}$/.test(text)) throw new Error('not base64url');
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw new ValidationError('malformed cursor');
  }
  if (
    !Array.isArray(value) ||
    value.length !== 3 ||
    value[0] !== tag ||
    typeof value[1] !== 'string' ||
    typeof value[2] !== 'string'
  ) {
    throw new ValidationError('malformed cursor');
  }
  return [value[1], value[2]];
}

export const encodeAccountCursor = (cursor: AccountCursor): string => encode(['a', cursor.owner, cursor.id]);

export function decodeAccountCursor(text: string): AccountCursor {
  const [owner, id] = decode(text, 'a');
  return { owner, id };
}

export const encodeTransactionCursor = (cursor: TransactionCursor): string =>
  encode(['t', cursor.createdAt, cursor.id]);

export function decodeTransactionCursor(text: string): TransactionCursor {
  const [createdAt, id] = decode(text, 't');
  return { createdAt, id };
}

/** Where a statement's next page starts, and the sequence its statement was read as of. */
export interface StatementCursor extends BalanceEntryCursor {
  readonly untilSequence?: number;
}

/**
 * A statement entry's place (its time and the sequence of its position) and the sequence its statement
 * was read as of, so that the next pages read as of it too (a cursor without it, as earlier versions
 * made them, reads as of now).
 */
export const encodeStatementCursor = (entry: { at: string; position: string }, untilSequence: number): string =>
  encode(['s', entry.at, `${entry.position.slice(entry.position.indexOf(':') + 1)}:${untilSequence}`]);

export function decodeStatementCursor(text: string): StatementCursor {
  const [at, place] = decode(text, 's');
  const match = /^(\d{1,15})(?::(\d{1,15}))?$/.exec(place);
  if (!match || Number.isNaN(Date.parse(at))) throw new ValidationError('malformed cursor');
  const cursor = { at, sequence: Number(match[1]) };
  return match[2] === undefined ? cursor : { ...cursor, untilSequence: Number(match[2]) };
}

/** Which accounts a live-feed cursor belongs to (ids sorted). */
const accountSetDigest = (accountIds: readonly string[]): string =>
  createHash('sha256').update(accountIds.join(',')).digest('base64url').slice(0, 12);

/**
 * Encodes the cursors of one live feed (`accountIds` sorted). A cursor is the feed's resume point:
 * for each account the sequence of the last change delivered, everything before it having been
 * delivered too, tied to the set of accounts. The set's digest is taken once per feed, not per
 * change (it was 2% of the event loop with 1,000 subscribers).
 */
export function feedCursorEncoder(accountIds: readonly string[]): (sequences: readonly number[]) => string {
  const digest = accountSetDigest(accountIds);
  return (sequences) => encode(['f', digest, sequences.join('.')]);
}

export function decodeFeedCursor(text: string, accountIds: readonly string[]): number[] {
  const [digest, list] = decode(text, 'f');
  if (digest !== accountSetDigest(accountIds)) {
    throw new ValidationError('the cursor belongs to a subscription to other accounts');
  }
  const sequences = list.split('.');
  if (sequences.length !== accountIds.length || !sequences.every((value) => /^\d{1,15}$/.test(value))) {
    throw new ValidationError('malformed cursor');
  }
  return sequences.map(Number);
}
