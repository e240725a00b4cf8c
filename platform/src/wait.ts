/** A wait that ends after its time, when its signal aborts, or when woken, whichever comes first. */
export interface Wait {
  /** Resolves (never rejects) when the wait ends. */
  readonly done: Promise<void>;
  /** Ends the wait now. */
  wake(): void;
}

export function startWait(ms: number, signal?: AbortSignal): Wait {
  let wake!: () => void;
  const done = new Promise<void>((resolve) => {
    if (signal?.aborted) {
      wake = () => undefined;
      return resolve();
    }
    // No timer for an endless wait (Node would fire one past 2^31 ms at once).
    const timer = Number.isFinite(ms) ? setTimeout(end, ms) : undefined;
    signal?.addEventListener('abort', end, { once: true });
    wake = end;
    function end(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', end);
      resolve();
    }
  });
  return { done, wake };
}

/** Resolves after `ms`, or at once when `signal` aborts; never rejects. */
export const sleep = (ms: number, signal?: AbortSignal): Promise<void> => startWait(ms, signal).done;

/** Resolves when `signal` aborts. */
export const untilAborted = (signal: AbortSignal): Promise<void> => startWait(Infinity, signal).done;
