import type { RebuildOutcome, RebuildProgress, RunRebuild } from '../ports/system.js';

/** Where the last rebuild this gateway ran stands. */
export type RebuildStatusView =
  | { readonly phase: 'idle' }
  | {
      readonly phase: RebuildProgress['phase'] | 'failed';
      /** Events applied to the new generation so far. */
      readonly eventsApplied: number;
      /** Events in the store the current phase works towards (grows while traffic flows). */
      readonly eventsTotal: number;
      readonly startedAt: Date;
      readonly finishedAt: Date | null;
      /** The generation swapped in (done). */
      readonly generation: string | null;
      /** Why it failed (failed). */
      readonly error: string | null;
    };

export interface RebuildTracker {
  /** Starts a rebuild, or joins the one running: one rebuild at a time from this gateway. */
  run(): Promise<RebuildOutcome>;
  status(): RebuildStatusView;
}

/**
 * Keeps the state of the read-model rebuilds started through this gateway (REST or GraphQL) for
 * the operator view. `onChange` hears every step (e.g. metrics).
 */
export function createRebuildTracker(
  runRebuild: RunRebuild,
  onChange?: (status: RebuildStatusView) => void,
): RebuildTracker {
  let status: RebuildStatusView = { phase: 'idle' };
  let running: Promise<RebuildOutcome> | undefined;
  const set = (next: RebuildStatusView): void => {
    status = next;
    onChange?.(next);
  };
  const total = (heads: readonly number[]): number => heads.reduce((sum, head) => sum + head, 0);

  const start = async (): Promise<RebuildOutcome> => {
    const startedAt = new Date();
    const base = { startedAt, finishedAt: null, generation: null, error: null };
    set({ ...base, phase: 'replaying', eventsApplied: 0, eventsTotal: 0 });
    try {
      const result = await runRebuild((progress) =>
        set({ ...base, phase: progress.phase, eventsApplied: progress.events, eventsTotal: total(progress.heads) }),
      );
      const last = status.phase === 'idle' ? { eventsTotal: result.events } : status;
      set({
        ...base,
        phase: 'done',
        eventsApplied: result.events,
        eventsTotal: Math.max(last.eventsTotal, result.events),
        finishedAt: new Date(),
        generation: result.generation,
      });
      return result;
    } catch (error) {
      const last = status.phase === 'idle' ? { eventsApplied: 0, eventsTotal: 0 } : status;
      set({
        ...base,
        phase: 'failed',
        eventsApplied: last.eventsApplied,
        eventsTotal: last.eventsTotal,
        finishedAt: new Date(),
        error: error instanceof Error ? error.message : String(error),
      });
      throw error;
    }
  };

  return {
    run() {
      running ??= start().finally(() => (running = undefined));
      return running;
    },
    status: () => status,
  };
}
