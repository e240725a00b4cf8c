// `npm run bench:rebuild -- [--events 50000] [--seed DIR] [--runs 3] [--against CHECKOUT] [--profile]`:
// the rate of a projection rebuild (GET /rebuild/balance on `ledger all`) beside the store's raw
// sequential read rate, measured on the same store right before it, then, in a second rebuild, the
// longest a live query waits while it runs. The store is filled once through
// GraphQL deposits into DIR (kept, so later runs measure the same store) and copied for each run.
// `--against` runs another checkout's `ledger all` (built) on the same store, alternating with this
// one, so that a change is measured side by side under the same machine load.
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { print } from 'graphql';
import { DepositDocument, OpenAccountDocument } from '@ledger/client';
import { dataOf, httpTarget, sleep, upperMedian as median } from './bench-load.js';
import type { HttpTarget } from './bench-load.js';
import { cpuMsOf, rawReadRate, topSelfTime } from './bench-process.js';
import { numberOption, parseScriptArgs } from './script-args.js';
import { startLedgerProcess } from './testing/processes.js';

const USAGE = `usage: npm run bench:rebuild [-- options]
  --events N        events in the store the rebuilds replay (default 50000)
  --runs N          rebuilds to measure (default 3)
  --against DIR     alternate with the build of another checkout, on the same store
  --seed DIR        where the store filled through deposits is kept for later runs (default: in the temp directory)
  --profile         write a CPU profile of the server (both of its rebuilds)`;
const flags = parseScriptArgs(
  () =>
    parseArgs({
      options: {
        events: { type: 'string', default: '50000' },
        seed: { type: 'string' },
        profile: { type: 'boolean', default: false },
        runs: { type: 'string', default: '3' },
        against: { type: 'string' },
      },
    }).values,
  USAGE,
);
const PARTITIONS = 16;
const ACCOUNTS = 100;
const CLIENTS = 32;
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const HERE = fileURLToPath(new URL('main.js', import.meta.url));

async function startLedger(dataDir: string, nodeArgs: string[] = [], main = HERE) {
  const proc = startLedgerProcess(
    'ledger-all',
    ['all'],
    {
      PORT: '0',
      GRPC_PORT: '0',
      HOST: '127.0.0.1',
      LEDGER_DATA_DIR: dataDir,
      LEDGER_PARTITIONS: String(PARTITIONS),
      LOG_LEVEL: 'info',
    },
    nodeArgs,
    main,
  );
  const up = await proc
    .waitForLog((line) => String(line.msg).startsWith('GraphQL gateway'), 90_000)
    .catch((error: unknown) => {
      proc.child.kill('SIGKILL'); // a process that never came up must not outlive the bench
      throw error;
    });
  const origin = `http://127.0.0.1:${Number(up.port)}`;
  return {
    proc,
    origin,
    http: httpTarget(origin, CLIENTS),
    async stop() {
      proc.child.kill('SIGTERM');
      await proc.exited;
    },
  };
}

/** Waits until the process has used under 10% of a core for a second. */
async function idle(pid: number): Promise<void> {
  let cpu = cpuMsOf([pid]);
  for (let quiet = 0; quiet < 2;) {
    await sleep(500);
    const now = cpuMsOf([pid]);
    quiet = now - cpu < 50 ? quiet + 1 : 0;
    cpu = now;
  }
}

async function seed(dir: string, events: number): Promise<void> {
  const ledger = await startLedger(dir);
  const { http } = ledger;
  try {
    const ids: string[] = [];
    for (let i = 0; i < ACCOUNTS; i++) {
      const body = JSON.stringify({ query: print(OpenAccountDocument), variables: { owner: `rebuild-${i}` } });
      ids.push(dataOf<{ openAccount: { id: string } }>(await http.post('/graphql', body)).openAccount.id);
    }
    // A deposit records three events (requested, deposited, succeeded).
    const deposits = Math.ceil((events - ACCOUNTS) / 3);
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (next < deposits) {
          const i = next++;
          const variables = { accountId: ids[i % ACCOUNTS], amount: '1', consistency: 'EVENTUAL' };
          await post(http, print(DepositDocument), variables);
        }
      }),
    );
    console.error(`seeded ${deposits} deposits in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    await idle(ledger.proc.child.pid!);
  } finally {
    await http.close();
    await ledger.stop();
  }
}

async function post(http: HttpTarget, query: string, variables: Record<string, unknown>): Promise<unknown> {
  return dataOf(await http.post('/graphql', JSON.stringify({ query, variables })));
}

interface Measured {
  readonly build: string;
  readonly events: number;
  readonly rebuildPerSecond: number;
  readonly rawReadPerSecond: number;
  readonly ratio: number;
  /** The longest a trivial query took during a second rebuild. */
  readonly longestQueryMs: number;
}

const TYPENAME = JSON.stringify({ query: '{ __typename }' });

/**
 * The longest a trivial query takes while the server rebuilds, one query at a time, 5 ms apart: what
 * live requests see of the rebuild's work on the event loop (a replay there, or its catch-up and swap
 * where the replay runs on threads) and of its threads' share of the cores.
 */
async function longestQueryDuringRebuild(ledger: Awaited<ReturnType<typeof startLedger>>): Promise<number> {
  const prober = httpTarget(ledger.origin, 1);
  let rebuilding = true;
  let longest = 0;
  const probes = (async () => {
    while (rebuilding) {
      const started = performance.now();
      await prober.post('/graphql', TYPENAME);
      longest = Math.max(longest, performance.now() - started);
      await sleep(5);
    }
  })();
  try {
    await ledger.http.get('/rebuild/balance');
  } finally {
    rebuilding = false;
    await probes;
    await prober.close();
  }
  return longest;
}

async function run(seedDir: string, build: string, main: string): Promise<Measured> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ledger-rebuild-run-'));
  cpSync(seedDir, dataDir, { recursive: true });
  const profileDir = flags.profile ? mkdtempSync(join(tmpdir(), 'ledger-rebuild-profile-')) : undefined;
  const ledger = await startLedger(dataDir, profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [], main);
  let measured: Measured;
  try {
    await idle(ledger.proc.child.pid!);
    const raw = await rawReadRate(dataDir, PARTITIONS);
    const cpuBefore = cpuMsOf([ledger.proc.child.pid!]);
    const started = performance.now();
    const rebuilt = (await ledger.http.get('/rebuild/balance')) as { events: number };
    const seconds = (performance.now() - started) / 1000;
    const cpuMs = cpuMsOf([ledger.proc.child.pid!]) - cpuBefore;
    const rate = rebuilt.events / seconds;
    await idle(ledger.proc.child.pid!);
    const longestQueryMs = await longestQueryDuringRebuild(ledger);
    measured = {
      build,
      events: rebuilt.events,
      rebuildPerSecond: Math.round(rate),
      rawReadPerSecond: Math.round(raw.perSecond),
      ratio: Number((rate / raw.perSecond).toFixed(3)),
      longestQueryMs: Number(longestQueryMs.toFixed(1)),
    };
    console.log(
      JSON.stringify({ ...measured, rebuildSeconds: Number(seconds.toFixed(3)), serverCpuMs: Math.round(cpuMs) }),
    );
  } finally {
    await ledger.http.close();
    await ledger.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  if (profileDir) {
    const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'));
    if (file) {
      const { busyMs, top } = topSelfTime(join(profileDir, file), 25, ROOT);
      console.log(`CPU profile: ${join(profileDir, file)} (busy ${(busyMs / 1000).toFixed(1)} s)`);
      for (const entry of top) {
        console.log(
          `  ${(entry.share * 100).toFixed(1).padStart(5)}%  ${entry.ms.toFixed(0).padStart(6)} ms  ${entry.name}`,
        );
      }
    }
  }
  return measured;
}

const events = numberOption('bench:rebuild', '--events', flags.events, 'an event count');
const runs = numberOption('bench:rebuild', '--runs', flags.runs, 'a run count');
const seedDir = flags.seed ?? join(tmpdir(), `ledger-rebuild-seed-${events}`);
if (!existsSync(join(seedDir, 'events.db'))) await seed(seedDir, events);
const builds: Array<[string, string]> = [['this', HERE]];
if (flags.against) builds.unshift(['against', join(flags.against, 'cli/dist/main.js')]);
const results: Measured[] = [];
for (let i = 0; i < runs; i++) {
  for (const [build, main] of builds) results.push(await run(seedDir, build, main));
}
for (const [build] of builds) {
  const mine = results.filter((result) => result.build === build);
  console.log(
    `${build}: median rebuild ${median(mine.map((r) => r.rebuildPerSecond))} events/s, raw read ${median(
      mine.map((r) => r.rawReadPerSecond),
    )} events/s, ratio ${median(mine.map((r) => r.ratio))}, longest query during a rebuild ${median(
      mine.map((r) => r.longestQueryMs),
    )} ms (${mine.length} runs, ${mine[0]?.events} events)`,
  );
}
