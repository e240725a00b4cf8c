import {
  MongoClientClosedError,
  MongoError,
  MongoErrorLabel,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';
import { UnavailableError } from '@ledger/platform';

const DUPLICATE_KEY = 11000;

/** A unique index refused the write: another commit took the key first. */
export function isDuplicateKey(error: unknown): boolean {
  if (!(error instanceof MongoServerError) || error.code !== DUPLICATE_KEY) return false;
  // A bulk write reports its first failure in `code`; every failure must be a duplicate.
  const writeErrors: unknown = error.writeErrors;
  if (Array.isArray(writeErrors)) return writeErrors.every((w: { code?: unknown }) => w.code === DUPLICATE_KEY);
  return true;
}

/**
 * What an append lost a race on, raised inside the transaction so the driver aborts it without
 * retrying (it only retries its own errors labelled transient), then settled outside it.
 */
export class LostRace extends Error {
  constructor(
    readonly on: 'aggregate' | 'idempotency',
    options?: ErrorOptions,
  ) {
    super(`another commit took the ${on} key first`, options);
    this.name = 'LostRace';
  }
}

/** Awaits a write that claims a unique key; a duplicate becomes LostRace. */
export async function claim<T>(on: LostRace['on'], write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (isDuplicateKey(error)) throw new LostRace(on, { cause: error });
    throw error;
  }
}

// The server ran out of time: maxTimeMS/maxCommitTimeMS (50), or a write concern not acknowledged
// within wtimeoutMS (64, WriteConcernTimeout, formerly WriteConcernFailed).
const TIMED_OUT = new Set([50, 64]);

/** The operation ran out of time, on the server or in the driver. */
export function isTimeout(error: unknown): boolean {
  if (error instanceof MongoOperationTimeoutError) return true;
  if (!(error instanceof MongoServerError)) return false;
  const concern = (error as { writeConcernError?: { code?: unknown } }).writeConcernError;
  return TIMED_OUT.has(Number(error.code)) || TIMED_OUT.has(Number(concern?.code));
}

const retryLater: readonly string[] = [
  MongoErrorLabel.TransientTransactionError,
  MongoErrorLabel.UnknownTransactionCommitResult,
  MongoErrorLabel.RetryableWriteError,
];

/**
 * Driver failures that mean "the database cannot be reached now" or "did not answer in time" become
 * UnavailableError, so the edges answer with a retryable status; the driver's text (hosts, sockets)
 * stays in `cause`. A timed-out append may still have committed: clients retry it with the same
 * idempotency key. Anything else passes through unchanged.
 */
export function translateError(error: unknown): unknown {
  const unreachable =
    isTimeout(error) ||
    error instanceof MongoNetworkError ||
    error instanceof MongoServerSelectionError ||
    error instanceof MongoNotConnectedError ||
    error instanceof MongoTopologyClosedError ||
    error instanceof MongoClientClosedError ||
    (error instanceof MongoError && retryLater.some((label) => error.hasErrorLabel(label)));
  if (!unreachable) return error;
  const unavailable = new UnavailableError('event store unavailable');
  unavailable.cause = error;
  return unavailable;
}
