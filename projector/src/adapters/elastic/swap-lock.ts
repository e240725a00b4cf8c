import type { Client, estypes } from '@elastic/elasticsearch';
import { faultOfError } from './errors.js';

/** The lock document: which generation is swapping in, and until when (ms since epoch). */
export interface SwapLockDocument {
  readonly generation: string;
  readonly expiresAt: number;
}

export const SWAP_LOCK_MAPPING: estypes.MappingTypeMapping = {
  dynamic: 'strict',
  properties: { generation: { type: 'keyword' }, expiresAt: { type: 'long' } },
};

const LOCK_ID = 'swap';
// Lost races on the lock document before giving up; each one means another process changed it.
const MAX_RACES = 5;

export interface SwapLock {
  /** The generation holding an unexpired lock, if any. */
  holder(): Promise<string | undefined>;
  /** Takes (or extends) the lock for `generation`; false while another generation holds it. */
  acquire(generation: string, ttlMs: number): Promise<boolean>;
  /** Releases the lock if `generation` holds it. */
  release(generation: string): Promise<void>;
}

/**
 * The swap lock as one document, changed only with optimistic concurrency (if_seq_no and
 * if_primary_term, or create when absent), so two rebuilds can never both believe they hold it.
 * Expiry is judged by each process's clock: clocks must agree to well within the TTL.
 */
export function createSwapLock(client: Client, index: string, now: () => number = Date.now): SwapLock {
  const read = async () => {
    // Real-time get: sees the latest write without a refresh. 404 = no lock document yet.
    const response = await client.get<SwapLockDocument>({ index, id: LOCK_ID }, { ignore: [404] });
    if (!response.found || response._source === undefined) return null;
    return { lock: response._source, seqNo: response._seq_no!, primaryTerm: response._primary_term! };
  };
  const held = (lock: SwapLockDocument | undefined): lock is SwapLockDocument =>
    lock !== undefined && lock.expiresAt > now();

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
    async holder() {
      const current = (await read())?.lock;
      return held(current) ? current.generation : undefined;
    },
    acquire: (generation, ttlMs) =>
      retryingRaces(async () => {
        const current = await read();
        if (held(current?.lock) && current.lock.generation !== generation) return false;
        const document: SwapLockDocument = { generation, expiresAt: now() + ttlMs };
        await client.index({
          index,
          id: LOCK_ID,
          document,
          ...(current ? { if_seq_no: current.seqNo, if_primary_term: current.primaryTerm } : { op_type: 'create' }),
        });
        return true;
      }),
    release: (generation) =>
      retryingRaces(async () => {
        const current = await read();
        if (!current || current.lock.generation !== generation) return;
        await client.delete(
          { index, id: LOCK_ID, if_seq_no: current.seqNo, if_primary_term: current.primaryTerm },
          { ignore: [404] },
        );
      }),
  };
}
