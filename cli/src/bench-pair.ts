// `npm run bench:pair -- --against CHECKOUT [--mode eventual|ryw|transfer|transfer-ryw|typename] [--rounds 10] [--seconds 3]
// [--clients 32]`: this checkout's `ledger all` and another built checkout's, side by side, under the
// same load at the same time (each its own clients, 100 accounts, 16 partitions). Every round reads
// each process's CPU time a command and its rate; the ratios of one round are taken over the same
// seconds, so a machine whose speed moves from one minute to the next moves both alike. On this kind
// of machine the rates of `npm run bench` move by a fifth between runs, the ratios here by a few
// hundredths. Each round also reads each side's backlog (events its saga has not gone past, events its
// read model does not hold yet), and the end how long each took to settle everything once the load
// stopped: a build that acknowledges more only because it settles later shows there. Two processes
// share the cores, so the rates are not those of `npm run bench`: this compares builds, it does not
// measure the ledger.
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { print } from 'graphql';
import { DepositDocument, OpenAccountDocument, TransferDocument } from '@ledger/client';
import { dataOf, httpTarget, sleep, upperMedian as median } from './bench-load.js';
import type { HttpTarget } from './bench-load.js';
import { eventLoopUseOf, processStats } from './bench-process.js';
import { numberOption, parseScriptArgs } from './script-args.js';
import { startLedgerProcess } from './testing/processes.js';
import type { LedgerProcess } from './testing/processes.js';

const USAGE = `usage: npm run bench:pair -- --against DIR [options]
  --against DIR     the other built checkout, run side by side with this one
  --mode MODE       eventual (deposits, the default), ryw (read-your-writes deposits), transfer,
                    transfer-ryw (read-your-writes transfers), or typename (the trivial query
                    { __typename }, the gateway's own cost)
  --rounds N        measured rounds (default 10)
  --seconds N       seconds a round (default 3)
  --clients N       clients a process, each one command at a time (default 32)`;
const flags = parseScriptArgs(
  () =>
    parseArgs({
      options: {
        against: { type: 'string' },
        mode: { type: 'string', default: 'eventual' },
        rounds: { type: 'string', default: '10' },
        seconds: { type: 'string', default: '3' },
        clients: { type: 'string', default: '32' },
      },
    }).values,
  USAGE,
);
const MODES = ['eventual', 'ryw', 'transfer', 'transfer-ryw', 'typename'] as const;
type Mode = (typeof MODES)[number];
const mode = flags.mode as Mode;
if (!MODES.includes(mode)) {
  console.error(
    `bench:pair: --mode takes eventual, ryw, transfer, transfer-ryw or typename (got "${flags.mode}")\n\n${USAGE}`,
  );
  process.exit(2);
}
const rounds = numberOption('bench:pair', '--rounds', flags.rounds, 'a round count');
const seconds = numberOption('bench:pair', '--seconds', flags.seconds, 'a number of seconds', { fraction: true });
const clients = numberOption('bench:pair', '--clients', flags.clients, 'a client count');
const against = flags.against;
if (!against || !existsSync(join(against, 'cli/dist/main.js'))) {
  console.error(`bench:pair: --against takes a built checkout (no cli/dist/main.js in "${against ?? ''}")\n\n${USAGE}`);
  process.exit(2);
}

const ACCOUNTS = 100;
const WARMUP_MS = 3_000;
const OPEN = print(OpenAccountDocument);
const DEPOSIT = print(DepositDocument);
const TRANSFER = print(TransferDocument);

interface Side {
  readonly build: 'this' | 'against';
  readonly proc: LedgerProcess;
  readonly dataDir: string;
  readonly http: HttpTarget;
  readonly ids: string[];
  done: number;
}

async function startSide(build: Side['build'], main: string): Promise<Side> {
  const dataDir = mkdtempSync(join(tmpdir(), `ledger-pair-${build}-`));
  const proc = startLedgerProcess(
    `ledger all (${build})`,
    ['all'],
    {
      PORT: '0',
      GRPC_PORT: '0',
      HOST: '127.0.0.1',
      LEDGER_DATA_DIR: dataDir,
      LEDGER_PARTITIONS: '16',
      LOG_LEVEL: 'info',
      LEDGER_RATE_LIMIT: '1000000',
    },
    [],
    main,
  );
  const up = await proc
    .waitForLog((line) => String(line.msg).startsWith('GraphQL gateway'), 90_000)
    .catch((error) => {
      proc.child.kill('SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
      throw error;
    });
  return { build, proc, dataDir, http: httpTarget(`http://127.0.0.1:${Number(up.port)}`, clients), ids: [], done: 0 };
}

const post = async (side: Side, query: string, variables: Record<string, unknown>): Promise<unknown> =>
  dataOf(await side.http.post('/graphql', JSON.stringify({ query, variables })));

async function prepare(side: Side): Promise<void> {
  // The trivial query needs no accounts.
  if (mode === 'typename') return;
  for (let i = 0; i < ACCOUNTS; i++) {
    const opened = (await post(side, OPEN, { owner: `pair-${i}` })) as { openAccount: { id: string } };
    side.ids.push(opened.openAccount.id);
  }
  // Transfers move one cent at a time; each account starts with enough that none is refused.
  if (mode === 'transfer' || mode === 'transfer-ryw') {
    for (const accountId of side.ids) {
      await post(side, DEPOSIT, { accountId, amount: '1000000', consistency: 'READ_YOUR_WRITES' });
    }
  }
}

const TYPENAME = '{ __typename }';

function command(side: Side, i: number): Promise<unknown> {
  if (mode === 'typename') return post(side, TYPENAME, {});
  const account = side.ids[i % ACCOUNTS]!;
  const consistency = mode === 'ryw' || mode === 'transfer-ryw' ? 'READ_YOUR_WRITES' : 'EVENTUAL';
  if (mode === 'transfer' || mode === 'transfer-ryw') {
    const to = side.ids[(i * 7 + 1) % ACCOUNTS]!;
    return post(side, TRANSFER, { from: account, to, amount: '1', consistency });
  }
  return post(side, DEPOSIT, { accountId: account, amount: '1', consistency });
}

interface Round {
  readonly perSecond: number;
  readonly cpuMs: number;
  readonly eventLoopMs: number;
}

const SYSTEM = '{ system { partitions { storeHead sagaPosition lagEvents } } }';

/**
 * Events committed that the saga has not gone past, and that the read model does not hold yet: a build
 * that acknowledges commands faster only because it settles them later shows here.
 */
async function backlog(side: Side): Promise<{ saga: number; readModel: number }> {
  const { system } = (await post(side, SYSTEM, {})) as {
    system: { partitions: Array<{ storeHead: number; sagaPosition: number; lagEvents: number }> };
  };
  return {
    saga: system.partitions.reduce((sum, p) => sum + p.storeHead - p.sagaPosition, 0),
    readModel: system.partitions.reduce((sum, p) => sum + p.lagEvents, 0),
  };
}

/** How long, once the load stops, until the side's saga and read model hold everything committed. */
async function catchUpMs(side: Side): Promise<number> {
  const started = performance.now();
  for (;;) {
    const left = await backlog(side);
    if (left.saga === 0 && left.readModel === 0) return performance.now() - started;
    if (performance.now() - started > 60_000) throw new Error(`${side.build}: not caught up after 60 s`);
    await sleep(20);
  }
}

const here = fileURLToPath(new URL('main.js', import.meta.url));
const sides: Side[] = [];
try {
  // A side that fails to start still has the other stopped (finally).
  sides.push(await startSide('against', join(against, 'cli/dist/main.js')));
  sides.push(await startSide('this', here));
  await Promise.all(sides.map(prepare));
  let stop = false;
  let failure: unknown;
  // The two sides' clients start in turns, so that neither's requests go out first in every burst.
  const load = Array.from({ length: clients }, (_, client) =>
    sides.map(async (side) => {
      for (let i = client; !stop; i += clients) {
        try {
          await command(side, i);
        } catch (error) {
          failure ??= error;
          stop = true;
        }
        side.done++;
      }
    }),
  ).flat();
  await sleep(WARMUP_MS);
  const measured = new Map<Side, Round[]>(sides.map((side) => [side, []]));
  for (let r = 0; r < rounds && !stop; r++) {
    const before = sides.map((side) => ({
      done: side.done,
      cpuMs: processStats(side.proc.child.pid!).cpuMs,
      loopMs: eventLoopUseOf([side.proc.child.pid!]).cpuMs,
    }));
    await sleep(seconds * 1_000);
    sides.forEach((side, i) => {
      const done = side.done - before[i]!.done;
      measured.get(side)!.push({
        perSecond: done / seconds,
        cpuMs: (processStats(side.proc.child.pid!).cpuMs - before[i]!.cpuMs) / done,
        eventLoopMs: (eventLoopUseOf([side.proc.child.pid!]).cpuMs - before[i]!.loopMs) / done,
      });
    });
    const shown = await Promise.all(
      sides.map(async (side) => {
        const round = measured.get(side)!.at(-1)!;
        const left = await backlog(side);
        return [
          side.build,
          { perSecond: Math.round(round.perSecond), cpuMs: +round.cpuMs.toFixed(3), backlog: left },
        ] as const;
      }),
    );
    console.log(JSON.stringify({ round: r + 1, mode, ...Object.fromEntries(shown) }));
  }
  stop = true;
  await Promise.all(load);
  if (failure) throw failure;
  const caughtUp = await Promise.all(sides.map(catchUpMs));
  const [base, mine] = sides.map((side) => measured.get(side)!);
  const ratio = (pick: (round: Round) => number): string =>
    median(mine!.map((round, i) => pick(round) / pick(base![i]!))).toFixed(3);
  const of = (list: Round[], pick: (round: Round) => number): string => median(list.map(pick)).toFixed(3);
  const what = {
    eventual: 'deposit',
    ryw: 'deposit',
    transfer: 'transfer',
    'transfer-ryw': 'transfer',
    typename: 'request',
  }[mode];
  console.log(
    `${mode}, ${clients} clients a process, median of ${mine!.length} rounds of ${seconds} s: ` +
      `CPU a ${what} ${of(mine!, (r) => r.cpuMs)} ms here, ${of(base!, (r) => r.cpuMs)} against (x ${ratio((r) => r.cpuMs)} a round; ` +
      `event loop x ${ratio((r) => r.eventLoopMs)}); ${what}s a second x ${ratio((r) => r.perSecond)} a round ` +
      `(${of(mine!, (r) => r.perSecond)} here, ${of(base!, (r) => r.perSecond)} against); ` +
      `saga and read model caught up ${caughtUp[1]!.toFixed(0)} ms after the load here, ${caughtUp[0]!.toFixed(0)} against`,
  );
} finally {
  for (const side of sides) {
    side.proc.child.kill('SIGTERM');
    await side.proc.exited;
    await side.http.close();
    rmSync(side.dataDir, { recursive: true, force: true });
  }
}
