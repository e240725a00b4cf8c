import { errors } from '@elastic/elasticsearch';
import type { Client, estypes } from '@elastic/elasticsearch';
import { IllegalStateError } from '@ledger/platform';
import { faultOf, faultOfError } from './errors.js';

/** The lock document: which generation is swapping in, and until when (ms since epoch; 0 = released). */
export interface SwapLockDocument {
  readonly generation: string;
  readonly expiresAt: number;
}

export const SWAP_LOCK_MAPPING: estypes.MappingTypeMapping = {
  dynamic: 'strict',
  properties: { generation: { type: 'keyword' }, expiresAt: { type: 'long' } },
};

export const LOCK_ID = 'swap';
// Lost races on the lock document before giving up; each one means another process changed it.
const MAX_RACES = 5;

/** The lock as read, with what identifies this exact write of its document. */
export interface SwapLockState {
  readonly lock: SwapLockDocument | null;
  /**
   * `seq_no/primary_term` of the document, or 'none' before its first write. Every write changes
   * it and the document is never deleted, so an unchanged version means nobody took, renewed or
   * released the lock in between.
   */
  readonly version: string;
  readonly seqNo?: number;
  readonly primaryTerm?: number;
}

/** A get or mget answer for the lock document, as the client returns it. */
export interface LockDoc {
  readonly found?: boolean;
  readonly _source?: SwapLockDocument;
  readonly _seq_no?: number;
  readonly _primary_term?: number;
  readonly error?: { readonly type?: string };
}

export interface SwapLock {
  read(): Promise<SwapLockState>;
  /** The state in a get or mget answer for the lock document (`index` names the lock index). */
  stateOf(doc: LockDoc): SwapLockState;
  /** Whether the lock is held (by anyone) at this moment, by this process's clock. */
  isHeld(state: SwapLockState): boolean;
  /** Whether `generation` holds the lock with more than `marginMs` left. */
  ownedBy(state: SwapLockState, generation: string, marginMs: number): boolean;
  /** Takes (or extends) the lock for `generation`; false while another generation holds it. */
  acquire(generation: string, ttlMs: number): Promise<boolean>;
  /**
   * Extends `state`, as read, to `ttlMs` from now: a write conditional on that exact document, sent
   * only while more than `marginMs` of it is left. True means the lock stayed `generation`'s without
   * a gap from the read until now.
   */
  renew(state: SwapLockState, generation: string, ttlMs: number, marginMs: number): Promise<boolean>;
  /** Releases the lock if `generation` holds it. */
  release(generation: string): Promise<void>;
}

/**
 * The swap lock as one document, changed only with optimistic concurrency (if_seq_no and
 * if_primary_term, or create when absent), so two rebuilds can never both believe they hold it.
 * Releasing writes an expired lock instead of deleting it, so its version only moves forward.
 * Expiry is judged by each process's clock: a holder acts only with a safety margin left.
 */
export function createSwapLock(client: Client, index: string, now: () => number = Date.now): SwapLock {
  const missingIndex = () =>
    new IllegalStateError(
      `swap lock index ${index} is missing (deleted?); a read model recreates it when it starts: restart the projectors`,
    );

  const stateOf = (doc: LockDoc): SwapLockState => {
    if (doc.error) {
      if (faultOf(404, doc.error.type) === 'missing-index') throw missingIndex();
      throw new Error(`reading the swap lock failed: ${doc.error.type}`);
    }
    if (!doc.found || doc._source === undefined) return { lock: null, version: 'none' };
    return {
      lock: doc._source,
      version: `${doc._seq_no}/${doc._primary_term}`,
      seqNo: doc._seq_no!,
      primaryTerm: doc._primary_term!,
    };
  };

  const read = async (): Promise<SwapLockState> => {
    try {
      // Real-time get: sees the latest write without a refresh.
      return stateOf(await client.get<SwapLockDocument>({ index, id: LOCK_ID }));
    } catch (error) {
      // 404 is either "no such document" (found: false) or "no such index": only the first is "no lock".
      if (error instanceof errors.ResponseError && error.statusCode === 404) {
        if (faultOfError(error) === 'missing-index') throw missingIndex();
        return { lock: null, version: 'none' };
      }
      throw error;
    }
  };
  const isHeld = (state: SwapLockState): boolean => state.lock !== null && state.lock.expiresAt > now();
  const ownedBy = (state: SwapLockState, generation: string, marginMs: number): boolean =>
    state.lock !== null && state.lock.generation === generation && state.lock.expiresAt - marginMs > now();

  /** Writes `document` over exactly `state` (or creates it where there was none). */
  const replace = (state: SwapLockState, document: SwapLockDocument) =>
    client.index({
      index,
      id: LOCK_ID,
      document,
      ...(state.seqNo === undefined
        ? { op_type: 'create' as const }
        : { if_seq_no: state.seqNo, if_primary_term: state.primaryTerm! }),
    });

  /** Runs `attempt` again when it lost a race (a 409 from a conditional write). */
  const retryingRaces = async <T>(attempt: () => Promise<T>): Promise<T> => {
    for (let race = 1; ; race++) {
      try {
        return await attempt();
      } catch (error) {
        if (faultOfError(error) !== 'version-conflict' || race >= MAX_RACES) throw error;
      }
    }
  };

  return {
    read,
    stateOf,
    isHeld,
    ownedBy,
    acquire: (generation, ttlMs) =>
      retryingRaces(async () => {
        const current = await read();
        if (isHeld(current) && current.lock!.generation !== generation) return false;
        await replace(current, { generation, expiresAt: now() + ttlMs });
        return true;
      }),
    async renew(state, generation, ttlMs, marginMs) {
      if (!ownedBy(state, generation, marginMs)) return false;
      try {
        await replace(state, { generation, expiresAt: now() + ttlMs });
        return true;
      } catch (error) {
        if (faultOfError(error) === 'version-conflict') return false; // someone changed it since the read
        throw error;
      }
    },
    release: (generation) =>
      retryingRaces(async () => {
        const current = await read();
        if (current.lock === null || current.lock.generation !== generation || current.lock.expiresAt === 0) return;
        await replace(current, { generation, expiresAt: 0 });
      }),
  };
}
