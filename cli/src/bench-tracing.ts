// `npm run bench -- --tracing`: what tracing costs (issue 7). The same phases run on a fresh
// `ledger all` without OTEL_EXPORTER_OTLP_ENDPOINT (tracing off, the default) and with it pointed at a
// receiver that accepts and drops the spans (bench-targets `otlp`, a process of its own, so exporting
// costs the server what it would with a real collector and no more). Off and on alternate as
// off, on, on, off, so a machine that drifts during the run weighs on both sides alike.
import type { Throughput } from './bench-load.js';
import { startTarget } from './bench-process.js';

/** What one deployment measured. */
export interface TracingSample {
  readonly typename: Throughput;
  readonly deposit: Throughput;
  /** Server CPU per acknowledged EVENTUAL deposit, until everything settled (spans exported included). */
  readonly cpuMsPerDeposit: number;
}

export interface TracingComparison {
  /** Means over the runs of each mode. */
  readonly off: TracingSample;
  readonly on: TracingSample;
  /** What reached the receiver while tracing was on: proof that it was, and how much it sent. */
  readonly received: { readonly requests: number; readonly spans: number; readonly bytes: number };
}

const ORDER = ['off', 'on', 'on', 'off'] as const;

export async function compareTracing(options: {
  /** Runs the phases on a fresh deployment started with `env` added, and stops it. */
  measure(env: Record<string, string>): Promise<TracingSample>;
}): Promise<TracingComparison> {
  const receiver = await startTarget('otlp');
  const endpoint = `http://127.0.0.1:${receiver.port}`;
  const samples = { off: [] as TracingSample[], on: [] as TracingSample[] };
  try {
    for (const mode of ORDER) {
      console.error(`    tracing ${mode}`);
      samples[mode].push(await options.measure(mode === 'on' ? { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint } : {}));
    }
    const response = await fetch(`${endpoint}/stats`);
    const received = (await response.json()) as TracingComparison['received'];
    return { off: meanOf(samples.off), on: meanOf(samples.on), received };
  } finally {
    await receiver.stop();
  }
}

function meanOf(samples: readonly TracingSample[]): TracingSample {
  const mean = (pick: (sample: TracingSample) => number): number =>
    samples.reduce((sum, sample) => sum + pick(sample), 0) / samples.length;
  const throughput = (pick: (sample: TracingSample) => Throughput): Throughput => ({
    ops: mean((s) => pick(s).ops),
    seconds: mean((s) => pick(s).seconds),
    perSecond: mean((s) => pick(s).perSecond),
    p50: mean((s) => pick(s).p50),
    p99: mean((s) => pick(s).p99),
  });
  return {
    typename: throughput((s) => s.typename),
    deposit: throughput((s) => s.deposit),
    cpuMsPerDeposit: mean((s) => s.cpuMsPerDeposit),
  };
}
