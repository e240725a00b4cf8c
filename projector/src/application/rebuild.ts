import { UnavailableError, sleep } from '@ledger/platform';
import type { Logger } from '@ledger/platform';
import type { EventSource, ReplayRequest } from '../ports/event-source.js';
import type { ReadModel } from '../ports/read-model.js';
import { copyPages, partitionClaims } from './rebuild-lane.js';
import type { RebuildLane } from './rebuild-lane.js';

export type RebuildPhase = 'replaying' | 'catching-up' | 'swapping' | 'done';

export interface RebuildProgress {
  readonly phase: RebuildPhase;
  /** Events applied to the new generation so far. */
  readonly events: number;
  /** The store's heads the phase works towards. */
  readonly heads: readonly number[];
}

export interface RebuildOptions {
  readonly readModel: ReadModel;
  readonly source: EventSource;
  /** Called at each step; a returned promise is awaited (the rebuild waits for slow reporters). */
  readonly onProgress?: (progress: RebuildProgress) => void | Promise<void>;
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
  /** Attempts at the locked swap (lock refused, swap refused or failed) before giving up. */
  readonly maxSwapAttempts?: number;
  /**
   * Longest the swap lock may hold the live projection: it lapses by itself after this, should the
   * rebuild stall or die. The lock is normally held for a few milliseconds.
   */
  readonly swapLockTtlMs?: number;
  /**
   * Events per read-model commit, about (a page of the source is never split). Without lanes the
   * embedded read model commits on the event loop, holding up live work for as long as a commit
   * takes: 10,000 events take about 50 ms, and bigger commits do not make a faster rebuild
   * (MEASUREMENTS.md).
   */
  readonly batchSize?: number;
  /**
   * Lanes that run the replay of everything up to the heads instead of this event loop (threads with
   * connections of their own, say): they take partitions one at a time from a shared counter and
   * commit into the generation side by side (an account's and a transaction's documents each belong
   * to one partition, so no two lanes write the same row). The catch-up and the swap run here.
   */
  readonly lanes?: readonly RebuildLane[];
  /**
   * The fewest events the replay must hold for `lanes` to take it (0 by default): a smaller one runs
   * here, where it takes less time than starting a thread does.
   */
  readonly lanesFrom?: number;
}

export interface RebuildResult {
  readonly generation: string;
  readonly previousGeneration: string;
  readonly events: number;
  readonly durationMs: number;
  /** How long the live projection was held by the swap lock of the attempt that swapped. */
  readonly swapPauseMs: number;
  readonly swapAttempts: number;
  /** The lanes the replay ran on (RebuildOptions.lanes); 0 where it ran on the caller's event loop. */
  readonly lanes: number;
}

// Catch-up rounds end once a round brings fewer events than this, or after MAX_CATCH_UP_ROUNDS:
// under steady traffic the heads never stand still, and the swap check decides anyway.
const SMALL_ROUND = 100;
const MAX_CATCH_UP_ROUNDS = 10;
// First wait when another rebuild holds the swap lock; it doubles up to half the lock's TTL.
const LOCK_BUSY_WAIT_MS = 50;

/**
 * Rebuilds the balance view from the store into a new generation while the live projection keeps
 * serving the active one, then swaps it in atomically once it has caught up, and drops the old one.
 * Queries read the active generation only, so they never see the half-built one.
 *
 * Under steady traffic the live projection is always a little ahead by the time the rebuild has
 * caught up, so the last step runs under the read model's swap lock: live commits wait, the
 * candidate replays up to the active generation's (now still) checkpoints, and the swap releases
 * the lock. Only that short step pauses the live projection.
 */
export async function rebuildBalance(options: RebuildOptions): Promise<RebuildResult> {
  const { readModel, source, signal, logger, lanes = [] } = options;
  const batchSize = options.batchSize ?? 10_000;
  const maxSwapAttempts = options.maxSwapAttempts ?? 10;
  const swapLockTtlMs = options.swapLockTtlMs ?? 5_000;
  const started = Date.now();
  let events = 0;
  let lanesUsed = 0;
  let heads: readonly number[] = [];
  const progress = async (phase: RebuildPhase) => options.onProgress?.({ phase, events, heads: [...heads] });

  /** Counts a commit's events and reports progress, unless `phase` is undefined (see `copy`). */
  const committed = (phase?: RebuildPhase) => async (copied: number) => {
    events += copied;
    if (phase) await progress(phase);
  };
  /**
   * Replays `request` into `generation`, a commit per `batchSize` events or so (pages of several
   * partitions folded into one batch as they arrive), reporting progress after each commit unless
   * `phase` is undefined (under the swap lock, where a slow reporter would lengthen the live
   * projection's pause).
   */
  const copy = (generation: string, request: ReplayRequest, phase?: RebuildPhase): Promise<number> =>
    copyPages(readModel, generation, source.replay(request, signal), batchSize, committed(phase));

  /**
   * The first replay, up to `to`, in the lanes. Should one fail, the others are stopped and the replay
   * fails with the first error. Their commits are reported as they come, without waiting for the
   * reporter.
   */
  const copyInLanes = async (generation: string, to: readonly number[]) => {
    const claims = partitionClaims(to.length);
    const stopped = new AbortController();
    const stop = signal ? AbortSignal.any([signal, stopped.signal]) : stopped.signal;
    const onCommitted = committed('replaying');
    const request = {
      generation,
      to,
      claims: claims.buffer,
      batchSize,
      onCommitted: (copied: number) => void onCommitted(copied).catch(() => undefined),
    };
    const copying = lanes.map((lane) =>
      lane.copy(request, stop).catch((error: unknown) => {
        stopped.abort(error);
        throw error;
      }),
    );
    const outcomes = await Promise.allSettled(copying);
    if (outcomes.some((outcome) => outcome.status === 'rejected')) throw stopped.signal.reason;
  };

  const catchUp = async (generation: string): Promise<void> => {
    for (let round = 0; round < MAX_CATCH_UP_ROUNDS; round++) {
      signal?.throwIfAborted();
      heads = await source.heads();
      const checkpoints = await readModel.checkpoints(generation);
      await progress('catching-up');
      if (heads.every((head, partition) => (checkpoints[partition] ?? 0) >= head)) return;
      const copied = await copy(generation, { from: { ...checkpoints }, to: { ...heads } }, 'catching-up');
      if (copied < SMALL_ROUND) return;
    }
  };

  /** Brings `candidate` up to `target` in every partition where it is behind. */
  const copyUpTo = async (candidate: string, target: readonly number[]): Promise<void> => {
    const from = await readModel.checkpoints(candidate);
    const behind = [...target.keys()].filter((partition) => (from[partition] ?? 0) < target[partition]!);
    if (behind.length > 0) await copy(candidate, { partitions: behind, from: { ...from }, to: { ...target } });
  };

  interface Swapped {
    readonly previous: string;
    readonly pauseMs: number;
    readonly attempts: number;
  }

  /** Swaps `candidate` in under the swap lock, catching up again between attempts. */
  const swapIn = async (candidate: string): Promise<Swapped> => {
    let busyWaitMs = LOCK_BUSY_WAIT_MS;
    let reason = '';
    for (let attempt = 1; attempt <= maxSwapAttempts; attempt++) {
      signal?.throwIfAborted();
      await progress('swapping');
      const locking = performance.now();
      if (!(await readModel.beginSwap(candidate, swapLockTtlMs))) {
        reason = 'another rebuild holds the swap lock';
        logger?.info({ generation: candidate, attempt }, 'swap lock busy; waiting');
        await sleep(busyWaitMs, signal);
        signal?.throwIfAborted();
        busyWaitMs = Math.min(busyWaitMs * 2, swapLockTtlMs / 2);
        continue;
      }
      try {
        // Live commits into the active generation wait from here on, so its checkpoints stand still.
        const active = await readModel.activeGeneration();
        await copyUpTo(candidate, await readModel.checkpoints(active));
        if (await readModel.swap(candidate)) {
          return { previous: active, pauseMs: performance.now() - locking, attempts: attempt };
        }
        // Only when the lock lapsed before the swap and the live projection moved on meanwhile.
        reason = `the swap lock (${swapLockTtlMs} ms) lapsed before the swap and the live projection got ahead`;
      } catch (error) {
        await readModel.endSwap(candidate).catch(() => undefined);
        if (signal?.aborted) throw error;
        reason = error instanceof Error ? error.message : String(error);
        logger?.warn({ err: error, generation: candidate, attempt }, 'swap attempt failed; trying again');
      }
      await catchUp(candidate);
    }
    throw new UnavailableError(
      `rebuild could not swap in generation ${candidate} in ${maxSwapAttempts} attempts: ${reason}`,
    );
  };

  const generation = await readModel.createGeneration();
  let swapped: Swapped;
  try {
    heads = await source.heads();
    await progress('replaying');
    if (lanes.length > 0 && heads.reduce((sum, head) => sum + head, 0) >= (options.lanesFrom ?? 0)) {
      await copyInLanes(generation, heads);
      lanesUsed = lanes.length;
    } else await copy(generation, { to: { ...heads } }, 'replaying');
    await catchUp(generation);
    swapped = await swapIn(generation);
  } catch (error) {
    await readModel.dropGeneration(generation).catch(() => undefined);
    throw error;
  }
  const previousGeneration = swapped.previous;
  logger?.info(
    { generation, previousGeneration, pauseMs: swapped.pauseMs, attempts: swapped.attempts, events },
    'rebuilt generation swapped in',
  );
  if (previousGeneration !== generation) await readModel.dropGeneration(previousGeneration);
  await progress('done');
  return {
    generation,
    previousGeneration,
    events,
    durationMs: Date.now() - started,
    swapPauseMs: swapped.pauseMs,
    swapAttempts: swapped.attempts,
    lanes: lanesUsed,
  };
}
