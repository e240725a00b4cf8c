import { UnavailableError } from '@ledger/platform';
import type { RecordedEvent } from '@ledger/platform';
import type { EventSource, ReplayRequest } from '../ports/event-source.js';
import type { ReadModel } from '../ports/read-model.js';
import { applyEvents } from './apply-events.js';

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
  /** Swaps refused because the live projection got ahead, before giving up. */
  readonly maxSwapAttempts?: number;
  /** Most events per read-model commit. */
  readonly batchSize?: number;
}

export interface RebuildResult {
  readonly generation: string;
  readonly previousGeneration: string;
  readonly events: number;
  readonly durationMs: number;
}

// Catch-up rounds end once a round brings fewer events than this, or after MAX_CATCH_UP_ROUNDS:
// under steady traffic the heads never stand still, and the swap check decides anyway.
const SMALL_ROUND = 100;
const MAX_CATCH_UP_ROUNDS = 10;

/**
 * Rebuilds the balance view from the store into a new generation while the live projection keeps
 * serving the active one, then swaps it in atomically once it has caught up, and drops the old one.
 * Queries read the active generation only, so they never see the half-built one.
 */
export async function rebuildBalance(options: RebuildOptions): Promise<RebuildResult> {
  const { readModel, source, signal } = options;
  const batchSize = options.batchSize ?? 1_000;
  const maxSwapAttempts = options.maxSwapAttempts ?? 10;
  const started = Date.now();
  let events = 0;
  let heads: readonly number[] = [];
  const progress = async (phase: RebuildPhase) => options.onProgress?.({ phase, events, heads: [...heads] });

  /** Replays `request` into `generation`, a commit per partition run of at most `batchSize` events. */
  const copy = async (generation: string, request: ReplayRequest, phase: RebuildPhase): Promise<number> => {
    let copied = 0;
    let run: RecordedEvent[] = [];
    const flush = async () => {
      if (run.length === 0) return;
      await applyEvents(readModel, generation, run[0]!.position.partition, run, { requireActive: false });
      copied += run.length;
      events += run.length;
      run = [];
      await progress(phase);
    };
    for await (const event of source.replay(request, signal)) {
      if (run.length >= batchSize || (run.length > 0 && run[0]!.position.partition !== event.position.partition)) {
        await flush();
      }
      run.push(event);
    }
    await flush();
    return copied;
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

  /** Swaps `candidate` in, catching up again while the live projection is ahead; returns the old generation. */
  const swapIn = async (candidate: string): Promise<string> => {
    for (let attempt = 1; attempt <= maxSwapAttempts; attempt++) {
      signal?.throwIfAborted();
      const active = await readModel.activeGeneration();
      await progress('swapping');
      if (await readModel.swap(candidate)) return active;
      // The live projection applied events the candidate has not seen yet.
      await catchUp(candidate);
    }
    throw new UnavailableError(`rebuild could not catch up with the live projection in ${maxSwapAttempts} attempts`);
  };

  const generation = await readModel.createGeneration();
  let previousGeneration: string;
  try {
    heads = await source.heads();
    await progress('replaying');
    await copy(generation, { to: { ...heads } }, 'replaying');
    await catchUp(generation);
    previousGeneration = await swapIn(generation);
  } catch (error) {
    await readModel.dropGeneration(generation).catch(() => undefined);
    throw error;
  }
  if (previousGeneration !== generation) await readModel.dropGeneration(previousGeneration);
  await progress('done');
  return { generation, previousGeneration, events, durationMs: Date.now() - started };
}
