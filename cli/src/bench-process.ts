// Processes measured by `npm run bench`: their CPU time and memory (from /proc), baseline servers,
// and the summary of a V8 CPU profile.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '@ledger/platform';
import { createSqliteEventStore } from '@ledger/write-service';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU time (user + system) in a `/proc/.../stat` file of a process or one of its threads (Linux). */
function cpuMsIn(statPath: string): number {
  const stat = readFileSync(statPath, 'utf8');
  // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/** CPU time (user + system) and resident memory of a process, from /proc (Linux). */
export function processStats(pid: number): { cpuMs: number; rssBytes: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return { cpuMs: cpuMsIn(`/proc/${pid}/stat`), rssBytes: rssKb * 1024 };
}

/** Summed CPU time of several processes. */
export const cpuMsOf = (pids: readonly number[]): number => pids.reduce((sum, pid) => sum + processStats(pid).cpuMs, 0);

/** A process whose CPU the bench splits a deposit's cost by, and what it is. */
export interface BenchProcess {
  readonly role: string;
  readonly pid: number;
  /** A server the ledger uses but the bench did not start (NATS, Redis): shown beside the ledger's total, not in it. */
  readonly beside?: boolean;
}

/**
 * The one process on this machine whose command name is `name` (the NATS server, Redis: servers the
 * bench reaches but did not start), read from /proc; undefined when none or several run here.
 */
export function localProcessNamed(name: string): number | undefined {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) found.push(Number(entry));
    } catch {
      // The process ended meanwhile.
    }
  }
  return found.length === 1 ? found[0] : undefined;
}

/**
 * What a thread has used so far: CPU time, and how often it went to sleep (to wait for work, a lock or
 * the disk: `voluntary_ctxt_switches`). Each sleep is a wake-up paid for later, dear on a virtual
 * machine, so at a low load the sleeps a deposit tell why it costs more CPU than at saturation.
 */
export interface ThreadUse {
  readonly cpuMs: number;
  readonly sleeps: number;
  /**
   * Time it was ready to run but waited for a core (`/proc/.../schedstat`, 0 where the kernel keeps
   * no schedstats): on two cores the event loop shares them with the process's other threads and the
   * bench's clients, and what it waits there is time no request of its own moves.
   */
  readonly coreWaitMs: number;
}

function threadUseIn(taskPath: string): ThreadUse {
  const status = readFileSync(`${taskPath}/status`, 'utf8');
  return {
    cpuMs: cpuMsIn(`${taskPath}/stat`),
    sleeps: Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0),
    coreWaitMs: coreWaitMsIn(taskPath),
  };
}

function coreWaitMsIn(taskPath: string): number {
  try {
    // Time on the CPU, time waiting on a run queue (both in ns), time slices.
    return Number(readFileSync(`${taskPath}/schedstat`, 'utf8').split(' ')[1]) / 1e6 || 0;
  } catch {
    return 0;
  }
}

const sumOf = (uses: readonly ThreadUse[]): ThreadUse => ({
  cpuMs: uses.reduce((sum, use) => sum + use.cpuMs, 0),
  sleeps: uses.reduce((sum, use) => sum + use.sleeps, 0),
  coreWaitMs: uses.reduce((sum, use) => sum + use.coreWaitMs, 0),
});

/** Summed use of the processes' main threads (a main thread's id is its pid), which run their event loops. */
export const eventLoopUseOf = (pids: readonly number[]): ThreadUse =>
  sumOf(pids.map((pid) => threadUseIn(`/proc/${pid}/task/${pid}`)));

/**
 * Summed use of the processes' threads named `name` (the name a request thread gives itself, see
 * startRequestThread: `ledger-writer`, `ledger-commit`). A thread that ends between the listing and
 * the read is left out.
 */
export function threadUseOf(pids: readonly number[], name: string): ThreadUse {
  const uses: ThreadUse[] = [];
  for (const pid of pids) {
    for (const thread of readdirSync(`/proc/${pid}/task`)) {
      try {
        const task = `/proc/${pid}/task/${thread}`;
        if (readFileSync(`${task}/comm`, 'utf8').trim() === name) uses.push(threadUseIn(task));
      } catch {
        // The thread ended meanwhile.
      }
    }
  }
  return sumOf(uses);
}

export interface Target {
  readonly port: number;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts a baseline server (`hello`: node:http; `apollo`: bare Apollo Server standalone; `otlp`: a
 * trace receiver that counts and drops) in its own process.
 */
export async function startTarget(kind: 'hello' | 'apollo' | 'otlp'): Promise<Target> {
  const script = fileURLToPath(new URL('./bench-targets.js', import.meta.url));
  const child = spawn(process.execPath, [script, kind], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`${kind} baseline exited with ${code}`)));
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    port,
    child,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface SelfTime {
  readonly name: string;
  readonly ms: number;
  /** Share of the busy (non-idle) samples. */
  readonly share: number;
}

/** Top self-time entries of a `.cpuprofile`, grouped by function and place; idle time left out. */
export function topSelfTime(file: string, count: number, root: string): { busyMs: number; top: SelfTime[] } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byName = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const frame = nodes.get(id)!.callFrame;
    if (frame.functionName === '(idle)') return;
    const micros = profile.timeDeltas[i] ?? 0;
    busy += micros;
    const path = frame.url.startsWith('file:') ? relative(root, fileURLToPath(frame.url)) : frame.url;
    const where = path ? `${path}:${frame.lineNumber + 1}` : '';
    const name = `${frame.functionName || '(anonymous)'} ${where}`.trim();
    byName.set(name, (byName.get(name) ?? 0) + micros);
  });
  const top = [...byName.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, micros]) => ({ name, ms: micros / 1000, share: micros / busy }));
  return { busyMs: busy / 1000, top };
}

/** The store's raw sequential read rate: every partition of `<dataDir>/events.db`, page by page. */
export async function rawReadRate(dataDir: string, partitions: number): Promise<{ events: number; perSecond: number }> {
  const store = createSqliteEventStore({ path: join(dataDir, 'events.db'), partitions, logger: silentLogger() });
  try {
    const started = performance.now();
    let events = 0;
    for (let partition = 0; partition < partitions; partition++) {
      let after = 0;
      for (;;) {
        const page = await store.readPartition(partition, after, 1_000);
        if (page.length === 0) break;
        events += page.length;
        after = page.at(-1)!.position.sequence;
      }
    }
    return { events, perSecond: events / ((performance.now() - started) / 1000) };
  } finally {
    await store.close();
  }
}
