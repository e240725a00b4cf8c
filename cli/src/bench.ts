// `npm run bench [-- --profile] [-- --memory] [-- --distributed] [-- --tracing] [-- --rate N]`: throughput and latency of the
// ledger beside its own baselines (node:http, a bare Apollo Server, the store's raw read rate), all
// measured in this run on this machine. The servers run in their own processes; this process only
// drives them over loopback HTTP and websockets. Prints a table, then one JSON line of ratios.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { print } from 'graphql';
import { DepositDocument, OpenAccountDocument, TransferDocument } from '@ledger/client';
import { closedLoop, dataOf, httpTarget, sleep } from './bench-load.js';
import type { HttpTarget, Throughput } from './bench-load.js';
import type { BenchProcess } from './bench-process.js';
import {
  cpuMsOf,
  eventLoopUseOf,
  processStats,
  rawReadRate,
  startTarget,
  threadUseOf,
  topSelfTime,
} from './bench-process.js';
import { startLedgerProcess } from './testing/processes.js';
import { scrape } from './testing/scrape.js';
import { deliveryLatency } from './bench-delivery.js';
import type { Delivery } from './bench-delivery.js';
import type { LedgerProcess } from './testing/processes.js';
import { startBenchCluster } from './bench-cluster.js';
import type { BenchCluster, WriterConflicts } from './bench-cluster.js';
import { checkGoals } from './bench-goals.js';
import { compareTracing } from './bench-tracing.js';
import { INSPECT, inspectorUrl, liveBytes } from './bench-heap.js';
import { numberOption, parseScriptArgs } from './script-args.js';
import type { TracingSample } from './bench-tracing.js';

const USAGE = `usage: npm run bench [-- options]
  --seconds N       length of each phase (default 5, or BENCH_SECONDS)
  --subscribers N   graphql-ws subscribers of the fan-out phase (default 1000; 0 skips it)
  --rate N          also measure delivery at a fixed N deposits a second
  --profile         write a CPU profile of the server and print its top self-time entries
  --memory          RSS of \`ledger all\` after 100,000 deposits over 10,000 accounts
  --distributed     the same on 2 write-services, 2 projectors and a gateway over NATS and Redis
  --tracing         what tracing costs (off, on, on, off)`;
const flags = parseScriptArgs(
  () =>
    parseArgs({
      options: {
        profile: { type: 'boolean', default: false },
        memory: { type: 'boolean', default: false },
        distributed: { type: 'boolean', default: false },
        tracing: { type: 'boolean', default: false },
        seconds: { type: 'string', default: process.env.BENCH_SECONDS ?? '5' },
        subscribers: { type: 'string', default: '1000' },
        rate: { type: 'string' },
      },
    }).values,
  USAGE,
);
const SECONDS = numberOption('bench', '--seconds', flags.seconds, 'the seconds of each phase', { fraction: true });
const SUBSCRIBERS = numberOption('bench', '--subscribers', flags.subscribers, 'a subscriber count', { zero: true });
const FIXED_RATE =
  flags.rate === undefined ? undefined : numberOption('bench', '--rate', flags.rate, 'deposits per second');
const WINDOW = { warmupMs: 1_000, durationMs: SECONDS * 1_000 };
const CLIENTS = 32;
const ACCOUNTS = 100;
const PARTITIONS = 16;
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The fan-out opens one websocket per subscriber, all from this address: one subject to the gateway. */
// The request budget stays on (its cost is measured) but above what one address can send here.
const GATEWAY_LIMITS = {
  LEDGER_SOCKETS_PER_SUBJECT: String(SUBSCRIBERS + 1),
  LEDGER_RATE_LIMIT: '1000000',
};

const QUERY_TYPENAME = JSON.stringify({ query: '{ __typename }' });
const DEPOSIT = print(DepositDocument);
const TRANSFER = print(TransferDocument);
const OPEN = print(OpenAccountDocument);

interface Row {
  readonly what: string;
  readonly value: string;
  readonly note?: string;
}
const rows: Row[] = [];
const ratios: Record<string, number | boolean | string> = {};
const row = (what: string, value: string, note?: string): void => {
  rows.push({ what, value, note });
  console.error(`  ${what}: ${value}${note ? `  (${note})` : ''}`);
};
const rate = (t: Throughput, unit = 'req/s'): string =>
  `${t.perSecond.toFixed(0)} ${unit}, p50 ${t.p50.toFixed(1)} ms, p99 ${t.p99.toFixed(1)} ms`;
const round = (value: number, digits = 3): number => Number(value.toFixed(digits));

/** One ledger deployment under test: where to send requests and which processes do the work. */
export interface Deployment {
  readonly origin: string;
  readonly pids: () => number[];
  /** Its processes by role, where it has several (and servers beside them), to split the CPU by. */
  readonly processes?: () => BenchProcess[];
  readonly dataDir: string;
  /** The gateway's live memory, read after a full collection (bench-heap.ts). */
  readonly liveBytes: () => Promise<number>;
  stop(): Promise<void>;
}

async function startEmbedded(
  profileDir: string | undefined,
  env: Record<string, string> = {},
): Promise<Deployment & { process: LedgerProcess }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ledger-bench-'));
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
      ...GATEWAY_LIMITS,
      ...env,
    },
    [INSPECT, ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])],
  );
  const up = await proc.waitForLog((line) => String(line.msg).startsWith('GraphQL gateway'), 90_000);
  const inspector = await inspectorUrl(proc);
  return {
    origin: `http://127.0.0.1:${Number(up.port)}`,
    pids: () => [proc.child.pid!],
    dataDir,
    liveBytes: () => liveBytes(inspector),
    process: proc,
    async stop() {
      proc.child.kill('SIGTERM');
      const code = await proc.exited;
      if (code !== 0) console.error(`ledger all exited with ${code}\n${proc.stderr().slice(-2000)}`);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Money sent in acknowledged deposits (1 cent each), to check against the read model. */
let acknowledgedCents = 0;

async function openAccounts(http: HttpTarget, count: number, prefix: string): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < count) {
        const i = next++;
        const body = JSON.stringify({ query: OPEN, variables: { owner: `${prefix}-${i}` } });
        ids[i] = dataOf<{ openAccount: { id: string } }>(await http.post('/graphql', body)).openAccount.id;
      }
    }),
  );
  return ids;
}

async function deposit(
  http: HttpTarget,
  accountId: string,
  consistency: 'EVENTUAL' | 'READ_YOUR_WRITES',
): Promise<string> {
  const body = JSON.stringify({ query: DEPOSIT, variables: { accountId, amount: '1', consistency } });
  const { deposit: tx } = dataOf<{ deposit: { id: string; status: string } }>(await http.post('/graphql', body));
  acknowledgedCents++;
  if (consistency === 'READ_YOUR_WRITES' && tx.status !== 'SUCCEEDED') {
    throw new Error(`a read-your-writes deposit answered ${tx.status}`);
  }
  return tx.id;
}

async function sumOfBalances(http: HttpTarget): Promise<number> {
  const balances = (await http.get('/balance')) as Array<{ balance: string }>;
  return balances.reduce((sum, account) => sum + Number(account.balance), 0);
}

/**
 * Waits until the read model holds every acknowledged cent and the servers are idle (the sagas,
 * forwarders and projectors have caught up). Returns false if that does not happen in time. The
 * servers' idleness is read over the pause between two looks, not over the look itself: listing
 * 10,000 accounts costs the server about 35 ms, which alone kept the memory run from ever settling.
 */
async function settle(http: HttpTarget, deployment: Deployment, timeoutMs = 180_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const before = cpuMsOf(deployment.pids());
    const pause = performance.now();
    await sleep(300);
    const busy = (cpuMsOf(deployment.pids()) - before) / (performance.now() - pause);
    const sum = await sumOfBalances(http);
    if (sum === acknowledgedCents && busy < 0.1) return true;
  }
  return false;
}

/**
 * When the read model first holds every acknowledged cent, looked at every 10 ms (up to 180 s): the
 * moment the sagas and the projection caught up with the acknowledgements.
 */
async function readModelHolds(http: HttpTarget, timeoutMs = 180_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await sumOfBalances(http)) === acknowledgedCents) return performance.now();
    await sleep(10);
  }
  throw new Error('the read model did not catch up with the acknowledged deposits');
}

/**
 * Full (mark-compact) collections V8 has run in the process serving `origin` (the gateway's, from its
 * /metrics): a process whose rate is several a second under a steady load has its old generation filling
 * with garbage (see `stopPretenuring` in heap.ts).
 */
async function fullCollections(origin: string): Promise<number> {
  return (await scrape(origin)).sum('nodejs_gc_duration_seconds_count', { kind: 'major' });
}

interface CommandPhase {
  readonly throughput: Throughput;
  /** The servers' CPU per operation until settled. */
  readonly cpu: CpuSplit;
  /** The window's acknowledged operations over the window and the time the read model then took to hold them all. */
  readonly settledPerSecond: number;
  /** From the last acknowledgement until the read model held every acknowledged cent. */
  readonly caughtUpMs: number;
  /** Server CPU time over wall time while the clients ran: above 1, more than one core worked. */
  readonly cores: number;
  /** The gateway process's full collections while the clients ran, and the operations they completed. */
  readonly fullCollections: number;
  readonly operations: number;
}

/** Measures one phase of deposits or transfers, with the server CPU they cost until settled; prints a row. */
async function commandPhase(
  name: string,
  http: HttpTarget,
  deployment: Deployment,
  run: (i: number) => Promise<unknown>,
): Promise<CommandPhase> {
  const measured = await measureCommands(name, http, deployment, run);
  row(
    name,
    rate(measured.throughput, 'ops/s'),
    `server CPU ${describeCpu(measured.cpu, 'ms/op until settled')}, ${measured.cores.toFixed(2)} cores busy under load, ` +
      `${measured.fullCollections} full collections in the gateway's process`,
  );
  return measured;
}

/**
 * CPU time per operation: all the servers' threads, and what their event loops and named threads took
 * of it; and how often each of those went to sleep per operation (see ThreadUse).
 */
interface CpuSplit {
  readonly totalMs: number;
  readonly eventLoopMs: number;
  /** The SQLite store's writer threads (none on MongoDB). */
  readonly writerMs: number;
  /** The SQLite read model's commit threads (none on Elasticsearch). */
  readonly commitMs: number;
  readonly sleeps: { readonly eventLoop: number; readonly writer: number; readonly commit: number };
  /** How long the event loops waited for a core (ready to run, none free). */
  readonly eventLoopCoreWaitMs: number;
  /** Per role where the deployment has several processes (see Deployment.processes), in their order. */
  readonly byRole: readonly RoleCpu[];
}

interface RoleCpu {
  readonly role: string;
  /** Its processes. */
  readonly count: number;
  readonly ms: number;
  readonly beside: boolean;
}

/** Per role, the CPU time its processes have used so far (a process that has ended adds nothing). */
function cpuByRole(processes: readonly BenchProcess[]): Map<string, Omit<RoleCpu, 'role'>> {
  const roles = new Map<string, Omit<RoleCpu, 'role'>>();
  for (const { role, pid, beside } of processes) {
    const entry = roles.get(role) ?? { count: 0, ms: 0, beside: beside ?? false };
    let ms = 0;
    try {
      ms = processStats(pid).cpuMs;
    } catch {
      // Ended: nothing to add.
    }
    roles.set(role, { ...entry, count: entry.count + 1, ms: entry.ms + ms });
  }
  return roles;
}

const describeRoles = (roles: readonly RoleCpu[]): string => {
  const show = (role: RoleCpu) => `${role.role}${role.count > 1 ? ` x${role.count}` : ''} ${role.ms.toFixed(2)}`;
  const own = roles.filter((role) => !role.beside).map(show);
  const beside = roles.filter((role) => role.beside).map(show);
  return `; by process, ms each: ${own.join(', ')}${beside.length ? `; beside them: ${beside.join(', ')}` : ''}`;
};

const describeCpu = (cpu: CpuSplit, unit: string): string =>
  `${cpu.totalMs.toFixed(2)} ${unit} (event loop ${cpu.eventLoopMs.toFixed(2)}, store writer ${cpu.writerMs.toFixed(2)}, read-model commits ${cpu.commitMs.toFixed(2)}; the rest is V8's collectors and libuv; ` +
  `sleeps each: event loop ${cpu.sleeps.eventLoop.toFixed(2)}, store writer ${cpu.sleeps.writer.toFixed(2)}, read-model commits ${cpu.sleeps.commit.toFixed(2)}; ` +
  `the event loop's wait for a free core each: ${cpu.eventLoopCoreWaitMs.toFixed(2)} ms` +
  `${cpu.byRole.length > 1 ? describeRoles(cpu.byRole) : ''})`;

/** Where a delivery phase's time went (see DeliveryStages): each stage's p99, and the slowest 1% split. */
const describeStages = (delivery: Delivery): string => {
  const { stagesP99: p99, slowest } = delivery;
  const ms = (value: number) => value.toFixed(1);
  return (
    `the bench's own CPU ${delivery.benchCpuMs.toFixed(2)} ms a deposit; ` +
    `p99 from sending to acknowledged ${ms(p99.acknowledged)}, to the saga's step ${ms(p99.step)}, step -> socket ${ms(p99.delivered)} ms; ` +
    `the slowest 1% (${ms(slowest.total)} ms on average): ${ms(slowest.acknowledged)}, ${ms(slowest.step)} and ${ms(slowest.delivered)}`
  );
};

/** The servers' CPU time from now on, per operation, split by thread (see CpuSplit). Read it after settling. */
function serverCpu(deployment: Deployment): { perOp(ops: number): CpuSplit } {
  const processes = deployment.processes?.() ?? [];
  const read = () => {
    const pids = deployment.pids();
    return {
      totalMs: cpuMsOf(pids),
      eventLoop: eventLoopUseOf(pids),
      writer: threadUseOf(pids, 'ledger-writer'),
      commit: threadUseOf(pids, 'ledger-commit'),
      roles: cpuByRole(processes),
    };
  };
  const before = read();
  return {
    perOp(ops) {
      const now = read();
      const each = (of: (use: ReturnType<typeof read>) => number): number => (of(now) - of(before)) / ops;
      return {
        totalMs: each((use) => use.totalMs),
        eventLoopMs: each((use) => use.eventLoop.cpuMs),
        writerMs: each((use) => use.writer.cpuMs),
        commitMs: each((use) => use.commit.cpuMs),
        eventLoopCoreWaitMs: each((use) => use.eventLoop.coreWaitMs),
        byRole: [...now.roles].map(([role, { count, ms, beside }]) => ({
          role,
          count,
          ms: (ms - (before.roles.get(role)?.ms ?? 0)) / ops,
          beside,
        })),
        sleeps: {
          eventLoop: each((use) => use.eventLoop.sleeps),
          writer: each((use) => use.writer.sleeps),
          commit: each((use) => use.commit.sleeps),
        },
      };
    },
  };
}

async function measureCommands(
  name: string,
  http: HttpTarget,
  deployment: Deployment,
  run: (i: number) => Promise<unknown>,
): Promise<CommandPhase> {
  const collectionsBefore = await fullCollections(deployment.origin);
  const cpu = serverCpu(deployment);
  const started = performance.now();
  let done = 0;
  const throughput = await closedLoop({ concurrency: CLIENTS, ...WINDOW }, async (i) => {
    await run(i);
    done++;
  });
  const lastAcknowledged = performance.now();
  // Read before the scrape below, whose CPU is the bench's asking, not the clients' load.
  const cores = cpu.perOp(1).totalMs / (lastAcknowledged - started);
  const collections = (await fullCollections(deployment.origin)) - collectionsBefore;
  // Looked at closely, so that the figure is the pipeline's, not the pace of the idleness check below.
  const caughtUpMs = (await readModelHolds(http)) - lastAcknowledged;
  if (!(await settle(http, deployment))) throw new Error(`${name}: the system did not settle`);
  return {
    throughput,
    cpu: cpu.perOp(done),
    settledPerSecond: throughput.ops / (throughput.seconds + caughtUpMs / 1000),
    caughtUpMs,
    cores,
    fullCollections: collections,
    operations: done,
  };
}

async function helloBaseline(): Promise<Throughput> {
  const target = await startTarget('hello');
  const http = httpTarget(`http://127.0.0.1:${target.port}`, CLIENTS);
  try {
    return await closedLoop({ concurrency: CLIENTS, ...WINDOW }, () => http.get('/'));
  } finally {
    await http.close();
    await target.stop();
  }
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/**
 * The bare Apollo Server, kept running for the whole bench: each `measure` is one more round of its
 * trivial query. On this noisy machine a rate moves by a fifth from one minute to the next, so the
 * gateway's own trivial query is measured in pairs of rounds with Apollo's (its ratio is the median of
 * each gateway round over the Apollo round next to it, see TRIVIAL_PAIRS), and the other ratios'
 * yardstick is the median of all the Apollo rounds so far, not one reading taken before the ledger
 * started.
 */
interface ApolloBaseline {
  measure(): Promise<Throughput>;
  readonly rounds: readonly Throughput[];
  /** Median requests per second of the rounds so far. */
  perSecond(): number;
  stop(): Promise<void>;
}

async function startApolloBaseline(): Promise<ApolloBaseline> {
  const target = await startTarget('apollo');
  const http = httpTarget(`http://127.0.0.1:${target.port}`, CLIENTS);
  const rounds: Throughput[] = [];
  return {
    rounds,
    async measure() {
      const round = await closedLoop({ concurrency: CLIENTS, ...WINDOW }, async () =>
        dataOf(await http.post('/', QUERY_TYPENAME)),
      );
      rounds.push(round);
      return round;
    },
    perSecond: () => median(rounds.map((r) => r.perSecond)),
    async stop() {
      await http.close();
      await target.stop();
    },
  };
}

/**
 * Pairs of rounds of the gateway's `{ __typename }` and Apollo's, the gateway first in every other
 * pair: on this machine the second round of a pair ran faster, whoever ran it (two `ledger all` of
 * the same build read 1.14 x with one of them second in each pair and 0.89 x with it first), so a
 * fixed order would favour one side.
 */
const TRIVIAL_PAIRS = 4;

async function benchLedger(deployment: Deployment, baseline: ApolloBaseline, label: string): Promise<void> {
  const http = httpTarget(deployment.origin, CLIENTS * 2);
  try {
    // The ratio is the median of the pairs, each a gateway round over the Apollo round next to it.
    const trivialRounds: number[] = [];
    const pairs: number[] = [];
    const shown: string[] = [];
    const gatewayRound = () =>
      closedLoop({ concurrency: CLIENTS, ...WINDOW }, async () => dataOf(await http.post('/graphql', QUERY_TYPENAME)));
    let collections = 0;
    let gatewaySeconds = 0;
    for (let i = 0; i < TRIVIAL_PAIRS; i++) {
      const gatewayFirst = i % 2 === 0;
      const before = gatewayFirst ? undefined : await baseline.measure();
      const collectionsBefore = await fullCollections(deployment.origin);
      const roundStarted = performance.now();
      const trivial = await gatewayRound();
      gatewaySeconds += (performance.now() - roundStarted) / 1000;
      collections += (await fullCollections(deployment.origin)) - collectionsBefore;
      const apolloRound = before ?? (await baseline.measure());
      trivialRounds.push(trivial.perSecond);
      pairs.push(trivial.perSecond / apolloRound.perSecond);
      shown.push(
        `${trivial.perSecond.toFixed(0)}/${apolloRound.perSecond.toFixed(0)}${gatewayFirst ? '' : ' (Apollo first)'}`,
      );
    }
    const apollo = { perSecond: baseline.perSecond() };
    row(
      `${label} { __typename }`,
      `${median(trivialRounds).toFixed(0)} req/s (median of ${TRIVIAL_PAIRS} rounds), Apollo ${apollo.perSecond.toFixed(0)} (median of ${baseline.rounds.length})`,
      `${median(pairs).toFixed(2)} x Apollo, the median of the pairs ledger/Apollo: ${shown.join(', ')}; ` +
        `${(collections / gatewaySeconds).toFixed(1)} full collections a second in the gateway's rounds`,
    );
    ratios[`${label}_typename_vs_apollo`] = round(median(pairs));
    ratios[`${label}_typename_full_collections_per_s`] = round(collections / gatewaySeconds, 2);
    ratios[`${label}_apollo_req_per_s`] = Math.round(apollo.perSecond);

    const ids = await openAccounts(http, ACCOUNTS, `bench-${label}`);
    const eventual = await commandPhase(`${label} deposit EVENTUAL`, http, deployment, (i) =>
      deposit(http, ids[i % ACCOUNTS]!, 'EVENTUAL'),
    );
    const ryw = await commandPhase(`${label} deposit READ_YOUR_WRITES`, http, deployment, (i) =>
      deposit(http, ids[i % ACCOUNTS]!, 'READ_YOUR_WRITES'),
    );
    const transfers = await commandPhase(`${label} transfer EVENTUAL`, http, deployment, async (i) => {
      const body = JSON.stringify({
        query: TRANSFER,
        variables: { from: ids[i % ACCOUNTS]!, to: ids[(i * 7 + 1) % ACCOUNTS]!, amount: '1', consistency: 'EVENTUAL' },
      });
      dataOf(await http.post('/graphql', body));
    });
    row(
      `${label} deposits settled (saga + projection done)`,
      `${eventual.settledPerSecond.toFixed(0)} deposits/s`,
      `the window's acknowledged EVENTUAL deposits / (the window + the time until the read model held them all: ${eventual.caughtUpMs.toFixed(0)} ms after the last acknowledgement)`,
    );
    ratios[`${label}_deposit_eventual_vs_apollo`] = round(eventual.throughput.perSecond / apollo.perSecond);
    ratios[`${label}_deposit_ryw_vs_apollo`] = round(ryw.throughput.perSecond / apollo.perSecond);
    ratios[`${label}_transfer_eventual_vs_apollo`] = round(transfers.throughput.perSecond / apollo.perSecond);
    ratios[`${label}_cpu_ms_per_deposit`] = round(eventual.cpu.totalMs, 2);
    ratios[`${label}_event_loop_ms_per_deposit`] = round(eventual.cpu.eventLoopMs, 2);
    ratios[`${label}_writer_ms_per_deposit`] = round(eventual.cpu.writerMs, 2);
    ratios[`${label}_commit_thread_ms_per_deposit`] = round(eventual.cpu.commitMs, 2);
    ratios[`${label}_event_loop_sleeps_per_deposit`] = round(eventual.cpu.sleeps.eventLoop, 2);
    ratios[`${label}_event_loop_core_wait_ms_per_deposit`] = round(eventual.cpu.eventLoopCoreWaitMs, 2);
    ratios[`${label}_writer_sleeps_per_deposit`] = round(eventual.cpu.sleeps.writer, 2);
    ratios[`${label}_commit_thread_sleeps_per_deposit`] = round(eventual.cpu.sleeps.commit, 2);
    for (const { role, ms } of eventual.cpu.byRole) {
      ratios[`${label}_cpu_ms_per_deposit_${role.replace(/\W+/g, '_')}`] = round(ms, 2);
    }
    ratios[`${label}_cores_busy_deposits`] = round(eventual.cores, 2);
    ratios[`${label}_deposits_per_s`] = Math.round(eventual.throughput.perSecond);
    ratios[`${label}_settled_deposits_per_s`] = Math.round(eventual.settledPerSecond);
    ratios[`${label}_caught_up_ms`] = Math.round(eventual.caughtUpMs);
    ratios[`${label}_full_collections_per_1000_deposits`] = round(
      (eventual.fullCollections / Math.max(1, eventual.operations)) * 1000,
      2,
    );

    const capacity = eventual.throughput.perSecond;
    const sendDeposit = (accountId: string) => deposit(http, accountId, 'EVENTUAL');
    for (const share of [0.7, 0.1]) {
      const perSecond = Math.max(1, Math.round(capacity * share));
      const cpu = serverCpu(deployment);
      const latency = await deliveryLatency(deployment.origin, sendDeposit, ids, perSecond, 1, WINDOW.durationMs);
      await settle(http, deployment);
      const spent = cpu.perOp(latency.deposits);
      row(
        `${label} deposit sent -> balanceChanged at ${share * 100}% (${perSecond}/s)`,
        `p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms`,
        `${latency.missing ? `${latency.missing} changes NOT delivered; ` : ''}server CPU ${describeCpu(spent, 'ms a deposit')}; ${describeStages(latency)}`,
      );
      ratios[`${label}_delivery_p${share * 100}_slowest_acknowledged_ms`] = round(latency.slowest.acknowledged, 1);
      ratios[`${label}_delivery_p${share * 100}_slowest_step_ms`] = round(latency.slowest.step, 1);
      ratios[`${label}_bench_cpu_ms_per_deposit_at_${share * 100}`] = round(latency.benchCpuMs, 2);
      ratios[`${label}_delivery_p${share * 100}_p50_ms`] = round(latency.p50, 1);
      ratios[`${label}_delivery_p${share * 100}_p99_ms`] = round(latency.p99, 1);
      ratios[`${label}_cpu_ms_per_deposit_at_${share * 100}`] = round(spent.totalMs, 2);
      ratios[`${label}_sleeps_per_deposit_at_${share * 100}`] = round(
        spent.sleeps.eventLoop + spent.sleeps.writer + spent.sleeps.commit,
        2,
      );
      if (latency.missing) ratios[`${label}_delivery_missing`] = latency.missing;
    }

    const subscribers = SUBSCRIBERS;
    if (subscribers > 0) {
      const perSecond = Math.max(1, Math.round(capacity * 0.5));
      const fan = await deliveryLatency(
        deployment.origin,
        sendDeposit,
        ids,
        perSecond,
        subscribers,
        WINDOW.durationMs,
        deployment.liveBytes,
      );
      row(
        `${label} ${subscribers} subscribers / ${ACCOUNTS} accounts at 50% (${perSecond}/s)`,
        `p50 ${fan.p50.toFixed(1)} ms, p99 ${fan.p99.toFixed(1)} ms, in order: ${fan.inOrder}, missing: ${fan.missing}`,
        `${((fan.bytesPerIdleSubscriber ?? 0) / 1024).toFixed(1)} KiB of the gateway's memory per idle subscriber, heap and external after a full collection; ${describeStages(fan)}`,
      );
      ratios[`${label}_subscribers_p99_ms`] = round(fan.p99, 1);
      ratios[`${label}_subscribers_in_order`] = fan.inOrder && fan.missing === 0;
      ratios[`${label}_kib_per_idle_subscriber`] = round((fan.bytesPerIdleSubscriber ?? 0) / 1024, 1);
      ratios[`${label}_bench_cpu_ms_per_deposit_subscribers`] = round(fan.benchCpuMs, 2);
      await settle(http, deployment);
    }

    // The phases above run at shares of this run's capacity, so a faster build is measured at higher
    // rates; `--rate N` adds the same deliveries at a fixed rate, to compare builds at equal load.
    if (FIXED_RATE !== undefined) {
      for (const count of new Set([1, subscribers || 1])) {
        const fixed = await deliveryLatency(deployment.origin, sendDeposit, ids, FIXED_RATE, count, WINDOW.durationMs);
        row(
          `${label} ${count} subscriber(s) / ${ACCOUNTS} accounts at a fixed ${FIXED_RATE}/s`,
          `p50 ${fixed.p50.toFixed(1)} ms, p99 ${fixed.p99.toFixed(1)} ms, in order: ${fixed.inOrder}, missing: ${fixed.missing}`,
        );
        ratios[`${label}_fixed_rate_${count}_subscribers_p99_ms`] = round(fixed.p99, 1);
        if (fixed.missing || !fixed.inOrder) ratios[`${label}_fixed_rate_in_order`] = false;
        await settle(http, deployment);
      }
    }

    const sqlite = existsSync(join(deployment.dataDir, 'events.db'));
    const store = sqlite ? await rawReadRate(deployment.dataDir, PARTITIONS) : undefined;
    const started = performance.now();
    const rebuilt = (await http.get('/rebuild/balance')) as { events: number };
    const rebuildRate = rebuilt.events / ((performance.now() - started) / 1000);
    if (store)
      row(`${label} store raw sequential read`, `${store.perSecond.toFixed(0)} events/s`, `${store.events} events`);
    row(
      `${label} rebuild (GET /rebuild/balance)`,
      `${rebuildRate.toFixed(0)} events/s`,
      `${store ? `${(rebuildRate / store.perSecond).toFixed(2)} x raw read, ` : ''}${rebuilt.events} events`,
    );
    ratios[`${label}_rebuild_events_per_s`] = Math.round(rebuildRate);
    if (store) ratios[`${label}_rebuild_vs_raw_read`] = round(rebuildRate / store.perSecond);

    if (flags.memory && label === 'embedded') await memoryRun(http, deployment);

    const sum = await sumOfBalances(http);
    const landed = sum === acknowledgedCents;
    row(`${label} money check`, landed ? 'ok' : 'FAILED', `sum of balances ${sum}, acknowledged ${acknowledgedCents}`);
    ratios[`${label}_money_landed`] = landed;
    if (!landed) process.exitCode = 1;
  } finally {
    await http.close();
  }
}

/** RSS of the server while 100,000 deposits go to 10,000 accounts: bounded and flat once caches are full. */
async function memoryRun(http: HttpTarget, deployment: Deployment): Promise<void> {
  const accounts = 10_000;
  const deposits = 100_000;
  const ids = await openAccounts(http, accounts, 'memory');
  const samples: string[] = [];
  let sent = 0;
  for (let block = 0; block < 10; block++) {
    let next = 0;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (next < deposits / 10) {
          next++;
          const i = sent++;
          await deposit(http, ids[(i * 7919) % accounts]!, 'EVENTUAL');
        }
      }),
    );
    await settle(http, deployment);
    const rss = deployment.pids().reduce((sum, pid) => sum + processStats(pid).rssBytes, 0);
    samples.push((rss / 2 ** 20).toFixed(0));
    console.error(`    ${sent} deposits: RSS ${samples.at(-1)} MB`);
  }
  row(
    `RSS after ${deposits} deposits over ${accounts} accounts`,
    `${samples.at(-1)} MB`,
    `per 10k: ${samples.join(' ')}`,
  );
  ratios.rss_mb_after_100k_deposits = Number(samples.at(-1));
}

/**
 * Issue 7: tracing off costs next to nothing, on it costs what these rows say. Each mode runs the
 * gateway's trivial query and EVENTUAL deposits on a fresh `ledger all` (see bench-tracing.ts).
 */
async function benchTracing(): Promise<void> {
  const measure = async (env: Record<string, string>): Promise<TracingSample> => {
    const deployment = await startEmbedded(undefined, env);
    acknowledgedCents = 0;
    const http = httpTarget(deployment.origin, CLIENTS * 2);
    try {
      const typename = await closedLoop({ concurrency: CLIENTS, ...WINDOW }, async () =>
        dataOf(await http.post('/graphql', QUERY_TYPENAME)),
      );
      const ids = await openAccounts(http, ACCOUNTS, 'bench-tracing');
      // Settling includes the exporter's work for the phase: its CPU counts.
      const deposits = await measureCommands('tracing deposit EVENTUAL', http, deployment, (i) =>
        deposit(http, ids[i % ACCOUNTS]!, 'EVENTUAL'),
      );
      return { typename, deposit: deposits.throughput, cpuMsPerDeposit: deposits.cpu.totalMs };
    } finally {
      await http.close();
      await deployment.stop();
    }
  };
  const load = loadavg()[0]!.toFixed(2);
  const { off, on, received } = await compareTracing({ measure });
  const times = (a: number, b: number): string => `${(a / b).toFixed(2)} x off`;
  row(
    'tracing off { __typename }',
    rate(off.typename),
    `mean of 2 runs, no OTEL_EXPORTER_OTLP_ENDPOINT; load ${load} before`,
  );
  row('tracing on { __typename }', rate(on.typename), times(on.typename.perSecond, off.typename.perSecond));
  row('tracing off deposit EVENTUAL', rate(off.deposit, 'ops/s'), `server CPU ${off.cpuMsPerDeposit.toFixed(2)} ms/op`);
  row(
    'tracing on deposit EVENTUAL',
    rate(on.deposit, 'ops/s'),
    `${times(on.deposit.perSecond, off.deposit.perSecond)}, server CPU ${on.cpuMsPerDeposit.toFixed(2)} ms/op (${times(on.cpuMsPerDeposit, off.cpuMsPerDeposit)})`,
  );
  row(
    'tracing on: spans received',
    String(received.spans),
    `${received.requests} OTLP/HTTP posts, ${(received.bytes / 2 ** 20).toFixed(1)} MiB`,
  );
  ratios.tracing_on_vs_off_typename = round(on.typename.perSecond / off.typename.perSecond);
  ratios.tracing_on_vs_off_deposit = round(on.deposit.perSecond / off.deposit.perSecond);
  ratios.tracing_on_vs_off_cpu_per_deposit = round(on.cpuMsPerDeposit / off.cpuMsPerDeposit);
  ratios.tracing_spans_received = received.spans;
}

/** Issue 9: how often the two write-services got in each other's way, from their own counters. */
async function conflictRow(cluster: BenchCluster): Promise<void> {
  const writers = await cluster.conflicts();
  const total = (pick: (writer: WriterConflicts) => number): number =>
    writers.reduce((sum, writer) => sum + pick(writer), 0);
  const appends = total((w) => w.appends);
  const transactionRetries = total((w) => w.transactionRetries);
  const commandRetries = total((w) => w.commandRetries);
  const each = writers.map((w) => `${w.writer} ${w.transactionRetries}/${w.commandRetries}/${w.appends}`).join(', ');
  row(
    `distributed conflicts between ${writers.length} write-services (${cluster.store} store)`,
    `${transactionRetries} store transaction retries, ${commandRetries} command retries in ${appends} appends`,
    `${cluster.store === 'SQLite' ? 'SQLite waits for its write lock, so no store retries; ' : ''}per writer retries/command retries/appends: ${each}`,
  );
  ratios.distributed_store = cluster.store;
  ratios.distributed_store_transaction_retries = transactionRetries;
  ratios.distributed_command_retries = commandRetries;
  ratios.distributed_appends = appends;
}

/** Self time of the tracing code (ours and the OpenTelemetry API) in a profile of `ledger all` run without an exporter. */
const TRACING_CODE =
  /(platform\/dist\/tracing|gateway\/dist\/api\/http\/tracing|schema\/dist\/grpc-trace)\.js|@opentelemetry/;

function printTable(): void {
  const width = Math.max(...rows.map((r) => r.what.length));
  const valueWidth = Math.max(...rows.map((r) => r.value.length));
  console.log(`| ${'what'.padEnd(width)} | ${'measured'.padEnd(valueWidth)} | note |`);
  console.log(`| ${'-'.repeat(width)} | ${'-'.repeat(valueWidth)} | ---- |`);
  for (const r of rows) console.log(`| ${r.what.padEnd(width)} | ${r.value.padEnd(valueWidth)} | ${r.note ?? ''} |`);
}

async function main(): Promise<void> {
  console.error(
    `bench: ${CLIENTS} clients, ${ACCOUNTS} accounts, ${SECONDS} s per phase, ${availableParallelism()} cores, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const hello = await helloBaseline();
  row('node:http hello world', rate(hello));
  const apollo = await startApolloBaseline();
  try {
    await benchAll(apollo, hello);
  } finally {
    await apollo.stop();
  }
  printTable();
  printGoals();
  console.log(JSON.stringify(ratios));
}

/** Issue 10's goals against this run's figures (bench-goals.ts), and their count in the JSON line. */
function printGoals(): void {
  const goals = checkGoals(ratios, SUBSCRIBERS);
  if (goals.length === 0) return;
  const met = goals.filter((goal) => goal.met);
  console.log(`\nissue 10's goals in this run: ${met.length} of ${goals.length} met`);
  for (const { goal, measured, met } of goals) console.log(`  ${met ? 'met    ' : 'NOT MET'}  ${goal}: ${measured}`);
  ratios.goals_met = met.length;
  ratios.goals_measured = goals.length;
}

async function benchAll(apollo: ApolloBaseline, hello: Throughput): Promise<void> {
  const first = await apollo.measure();
  row('bare Apollo Server 5 standalone { __typename }', rate(first), 'first round, before the ledger starts');
  ratios.apollo_vs_hello = round(first.perSecond / hello.perSecond);

  const profileDir = flags.profile ? mkdtempSync(join(tmpdir(), 'ledger-profile-')) : undefined;
  const embedded = await startEmbedded(profileDir);
  try {
    row(
      'server',
      '`ledger all`, one process',
      `${PARTITIONS} partitions, SQLite store and read model; the store's writes and the read model's live commits run on threads of their own`,
    );
    await benchLedger(embedded, apollo, 'embedded');
  } finally {
    await embedded.stop();
  }
  if (profileDir) {
    const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'));
    if (file) {
      const { busyMs, top } = topSelfTime(join(profileDir, file), 30, ROOT);
      console.log(`\nCPU profile of ledger all: ${join(profileDir, file)} (busy ${(busyMs / 1000).toFixed(1)} s)`);
      console.log('top self time:');
      for (const entry of top) {
        console.log(
          `  ${(entry.share * 100).toFixed(1).padStart(5)}%  ${entry.ms.toFixed(0).padStart(6)} ms  ${entry.name}`,
        );
      }
      console.log('');
      const tracing = topSelfTime(join(profileDir, file), Infinity, ROOT).top.filter((e) => TRACING_CODE.test(e.name));
      const share = tracing.reduce((sum, entry) => sum + entry.share, 0);
      row(
        'tracing off: its code in the profile',
        `${(share * 100).toFixed(2)}% of busy server CPU`,
        `self time of ${tracing.length} tracing functions (platform tracing.js, the gateway's and gRPC's hooks, @opentelemetry/api)`,
      );
      ratios.tracing_off_profile_share = round(share, 4);
    } else console.error(`no CPU profile written in ${profileDir}`);
  }

  if (flags.tracing) await benchTracing();

  if (flags.distributed) {
    const cluster = await startBenchCluster({ partitions: PARTITIONS, env: GATEWAY_LIMITS });
    acknowledgedCents = 0;
    try {
      await benchLedger(cluster, apollo, 'distributed');
      await conflictRow(cluster);
    } finally {
      await cluster.stop();
    }
  }

  ratios.apollo_req_per_s = Math.round(apollo.perSecond());
}

await main();
