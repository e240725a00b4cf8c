// `npm run bench:writer -- [--partitions 16] [--batches 1500] [--runs 3] [--settlements follow-up|separate]
// [--against CHECKOUT]`: the SQLite store's writer alone, on a fresh file, fed batches shaped like a turn
// of `ledger all` at saturation (ten deposits requested, the saga's steps of ten more with their
// settlements riding on them, the workers' checkpoints), without threads, HTTP or the rest of the
// process around it: the CPU it takes and what it writes a deposit. `--settlements separate` sends each
// settlement as an append of its own, as the saga did before 7d89037 (and as a build's writer from
// before then needs). Each run is a process of its own; `--against` alternates with another built
// checkout's writer, so that a change to the store is compared under the same machine load. Its
// figures move less with the machine's noise than the rates of `npm run bench`.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { upperMedian as median } from './bench-load.js';
import { numberOption, parseScriptArgs } from './script-args.js';

const USAGE = `usage: npm run bench:writer [-- options]
  --partitions N    partitions of the store (default 16)
  --batches N       batches of ten deposits a run (default 1500)
  --runs N          runs of each build (default 3)
  --settlements S   follow-up (riding on the step's append, the default) or separate (an append each)
  --against DIR     alternate with the store's writer of another built checkout`;
const flags = parseScriptArgs(
  () =>
    parseArgs({
      options: {
        partitions: { type: 'string', default: '16' },
        batches: { type: 'string', default: '1500' },
        runs: { type: 'string', default: '3' },
        settlements: { type: 'string', default: 'follow-up' },
        against: { type: 'string' },
      },
    }).values,
  USAGE,
);
const partitions = numberOption('bench:writer', '--partitions', flags.partitions, 'a partition count');
const batches = numberOption('bench:writer', '--batches', flags.batches, 'a batch count');
const runs = numberOption('bench:writer', '--runs', flags.runs, 'a run count');
const settlements = flags.settlements;
if (settlements !== 'follow-up' && settlements !== 'separate') {
  console.error(`bench:writer: --settlements takes follow-up or separate (got "${settlements}")\n\n${USAGE}`);
  process.exit(2);
}

interface Measured {
  readonly cpuUsPerDeposit: number;
  readonly systemUsPerDeposit: number;
  readonly kibWrittenPerDeposit: number;
  readonly writeCallsPerDeposit: number;
}

const RUN = fileURLToPath(new URL('bench-writer-run.js', import.meta.url));
const HERE = fileURLToPath(new URL('../..', import.meta.url));
const builds: Array<[string, string]> = [['this', HERE]];
if (flags.against) {
  if (!existsSync(join(flags.against, 'write-service/dist/adapters/sqlite/writer.js'))) {
    console.error(`bench:writer: --against takes a built checkout (no write-service/dist in "${flags.against}")`);
    process.exit(2);
  }
  builds.unshift(['against', flags.against]);
}

const results = new Map<string, Measured[]>(builds.map(([build]) => [build, []]));
for (let i = 0; i < runs; i++) {
  for (const [build, checkout] of builds) {
    let output: string;
    try {
      output = execFileSync(process.execPath, [RUN, checkout, String(partitions), String(batches), settlements], {
        encoding: 'utf8',
      });
    } catch (error) {
      // The run has said why on its standard error, which this process shares.
      process.exit((error as { status?: number }).status ?? 1);
    }
    const measured = JSON.parse(output) as Measured;
    results.get(build)!.push(measured);
    console.log(JSON.stringify({ build, partitions, settlements, ...measured }));
  }
}
for (const [build, measured] of results) {
  const of = (pick: (m: Measured) => number) => median(measured.map(pick));
  console.log(
    `${build}: the writer alone, ${partitions} partitions, settlements ${settlements === 'follow-up' ? 'riding on their steps' : 'apart'}, median of ${measured.length} runs: ${of((m) => m.cpuUsPerDeposit)} us of CPU a deposit (${of((m) => m.systemUsPerDeposit)} in the kernel), ${of((m) => m.kibWrittenPerDeposit)} KiB written in ${of((m) => m.writeCallsPerDeposit)} calls`,
  );
}
