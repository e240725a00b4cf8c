// Load generation for `npm run bench`: closed-loop clients (a fixed number of requests in flight) and
// an open-loop sender (a fixed rate, whatever the answers do), over keep-alive HTTP connections.
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

/** A keep-alive connection pool to one origin; `post` answers the parsed JSON body. */
export interface HttpTarget {
  post(path: string, body: string): Promise<unknown>;
  get(path: string): Promise<unknown>;
  close(): Promise<void>;
}

export function httpTarget(origin: string, connections: number): HttpTarget {
  const pool = new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
  const send = async (method: 'GET' | 'POST', path: string, body?: string): Promise<unknown> => {
    const response = await pool.request({
      path,
      method,
      body,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
    });
    const text = await response.body.text();
    if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode} from ${path}: ${text.slice(0, 300)}`);
    return text.length && text[0] !== '{' && text[0] !== '[' ? text : (JSON.parse(text) as unknown);
  };
  return {
    post: (path, body) => send('POST', path, body),
    get: (path) => send('GET', path),
    close: () => pool.close(),
  };
}

/** A GraphQL answer's data, or an error with the answer's errors. */
export function dataOf<T>(answer: unknown): T {
  const result = answer as { data?: T; errors?: Array<{ message: string; extensions?: { code?: string } }> };
  if (result.errors?.length) {
    throw new Error(`GraphQL errors: ${result.errors.map((e) => `${e.extensions?.code}: ${e.message}`).join('; ')}`);
  }
  if (!result.data) throw new Error(`answer without data: ${JSON.stringify(answer).slice(0, 300)}`);
  return result.data;
}

export interface Throughput {
  readonly ops: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
}

export const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;

/** The middle of `values` (of an even count, the upper of the two in the middle): what runs and rounds report. */
export const upperMedian = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `concurrency` clients each send one request after the other for `warmupMs` (not counted), then
 * for `durationMs`; operations that finish inside that window count. Any failure stops the run.
 */
export async function closedLoop(
  options: { concurrency: number; warmupMs: number; durationMs: number },
  run: (i: number) => Promise<unknown>,
): Promise<Throughput> {
  const latencies: number[] = [];
  let next = 0;
  const begin = performance.now();
  const windowStart = begin + options.warmupMs;
  const windowEnd = windowStart + options.durationMs;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      for (;;) {
        const t = performance.now();
        if (t >= windowEnd) return;
        await run(next++);
        const done = performance.now();
        if (done >= windowStart && done <= windowEnd) latencies.push(done - t);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const seconds = options.durationMs / 1000;
  return {
    ops: latencies.length,
    seconds,
    perSecond: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

/**
 * Starts `rate` operations per second for `durationMs` (open loop: a slow answer does not slow the
 * sender), with at most `maxInFlight` outstanding. Resolves once every operation has finished.
 */
export async function openLoop(
  options: { rate: number; durationMs: number; maxInFlight?: number },
  run: (i: number) => Promise<unknown>,
): Promise<{ sent: number; skipped: number }> {
  const maxInFlight = options.maxInFlight ?? 512;
  const started = performance.now();
  const pending = new Set<Promise<unknown>>();
  let sent = 0;
  let skipped = 0;
  let failure: unknown;
  while (failure === undefined) {
    const elapsed = performance.now() - started;
    if (elapsed >= options.durationMs) break;
    const due = Math.floor((elapsed / 1000) * options.rate);
    while (sent + skipped < due) {
      if (pending.size >= maxInFlight) {
        skipped++;
        continue;
      }
      const operation: Promise<unknown> = run(sent++).then(
        (): void => void pending.delete(operation),
        (error: unknown) => {
          failure ??= error;
          pending.delete(operation);
        },
      );
      pending.add(operation);
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await Promise.all(pending);
  if (failure !== undefined) throw failure;
  return { sent, skipped };
}
