import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the heap grow past what was live after the last full collection, in percent.
 *
 * Under a steady write load V8 raises that factor towards four, so a server whose live heap is
 * about 70 MB carried 200-280 MB of heap, and its RSS moved between 320 and 450 MB depending on when
 * the last full collection ran. At 50% the heap stays within about 1.5 times what is live: a full
 * collection runs more often, mostly on V8's own threads (no change in CPU per deposit that the bench
 * could measure, see MEASUREMENTS.md).
 */
export const HEAP_GROWING_PERCENT = 50;

/**
 * Bounds the heap's growth for a long-running server, unless the process was started with its own
 * `--heap-growing-percent` on the command line (Node refuses the flag in NODE_OPTIONS). V8 reads the
 * flag at each full collection, so setting it at start-up takes effect for the main thread and the
 * worker threads.
 */
export function boundHeapGrowth(execArgv: readonly string[] = process.execArgv): number | undefined {
  if (execArgv.some((flag) => flag.startsWith('--heap-growing-percent'))) return undefined;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return HEAP_GROWING_PERCENT;
}

/**
 * Turns off V8's allocation-site pretenuring for a server, unless the process was started with its
 * own `--allocation-site-pretenuring` or `--no-allocation-site-pretenuring`.
 *
 * V8 allocates straight into the old generation from any allocation site whose objects it saw survive
 * a young collection. Under a burst of requests (the first load after start-up, say) a site that
 * builds per-request objects can look long-lived, and V8 then keeps tenuring what it builds: the old
 * generation fills with garbage and the process runs about four full collections a second instead of
 * one, for the rest of its life. One `ledger all` in five to ten came up so, and answered the
 * trivial query 25 to 35% slower than the others (MEASUREMENTS.md).
 */
export function stopPretenuring(execArgv: readonly string[] = process.execArgv): boolean {
  if (execArgv.some((flag) => /^--(no-)?allocation-site-pretenuring\b/.test(flag))) return false;
  setFlagsFromString('--no-allocation-site-pretenuring');
  return true;
}
