import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';

/** How a supervised process shows it is ready: a line of its output, or its port accepting connections. */
export type Readiness = { readonly line: (line: string) => boolean } | { readonly port: number };

export interface ProcessSpec {
  readonly name: string;
  readonly command: string;
  /** Arguments and environment of each incarnation (numbered from 1). */
  readonly args: (incarnation: number) => string[];
  readonly env?: (incarnation: number) => Record<string, string>;
  readonly ready: Readiness;
  /** Every incarnation's stdout and stderr are appended here. */
  readonly logFile: string;
  readonly readyTimeoutMs?: number;
}

/** One server the chaos run starts, kills, pauses and starts again. */
export interface Supervised {
  readonly name: string;
  /** Incarnations started so far. */
  incarnation(): number;
  running(): boolean;
  paused(): boolean;
  /** Starts a new incarnation and resolves once it is ready; rejects if it exits or times out first. */
  start(): Promise<void>;
  /** Sends a signal; resolves with the exit code (or signal name) once the process is gone. */
  stop(signal: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: string | null } | 'timeout'>;
  pause(): void;
  resume(): void;
}

interface Incarnation {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  exitedYet: boolean;
  paused: boolean;
}

/** Lines of a process's output that a failed start quotes: the log file may be gone when it is read (CI). */
const QUOTED_LINES = 20;

export function supervise(
  spec: ProcessSpec,
  log: WriteStream = createWriteStream(spec.logFile, { flags: 'a' }),
): Supervised {
  let count = 0;
  let current: Incarnation | undefined;

  const waitForPort = async (
    port: number,
    exited: () => boolean,
    failure: () => Promise<Error>,
    deadline: number,
  ): Promise<void> => {
    for (;;) {
      const open = await new Promise<boolean>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port });
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
      if (open) return;
      if (exited()) throw await failure();
      if (Date.now() > deadline) throw new Error(`${spec.name} did not listen on ${port} in time`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  return {
    name: spec.name,
    incarnation: () => count,
    running: () => current !== undefined && !current.exitedYet,
    paused: () => current?.paused ?? false,
    async start() {
      if (current && !current.exitedYet) throw new Error(`${spec.name} is already running`);
      const incarnation = ++count;
      const child = spawn(spec.command, spec.args(incarnation), {
        env: { PATH: process.env.PATH ?? '', ...spec.env?.(incarnation) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      log.write(`### ${spec.name} incarnation ${incarnation} (pid ${child.pid}) at ${new Date().toISOString()}\n`);
      const entry: Incarnation = {
        child,
        exitedYet: false,
        paused: false,
        exited: new Promise((resolve) =>
          child.once('exit', (code, signal) => {
            entry.exitedYet = true;
            resolve({ code, signal });
          }),
        ),
      };
      current = entry;
      child.once('error', (error) => log.write(`### ${spec.name}: ${error.message}\n`));
      let sawReadyLine: (() => void) | undefined;
      const lineReady = 'line' in spec.ready ? spec.ready.line : undefined;
      const lastLines: string[] = [];
      const keep = (line: string) => {
        log.write(`${line}\n`);
        lastLines.push(line);
        if (lastLines.length > QUOTED_LINES) lastLines.shift();
      };
      createInterface({ input: child.stdout! }).on('line', (line) => {
        keep(line);
        if (lineReady?.(line)) sawReadyLine?.();
      });
      createInterface({ input: child.stderr! }).on('line', (line) => keep(`[stderr] ${line}`));
      // Once its output is read to the end: a process that exits before it is ready says why there.
      const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
      const exitedBeforeReady = async (): Promise<Error> => {
        const { code, signal } = await entry.exited;
        await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
        const quoted = lastLines.map((line) => `  ${line}`).join('\n');
        return new Error(
          `${spec.name} exited (${signal ?? code}) before it was ready; its last lines:\n${quoted}\nsee ${spec.logFile}`,
        );
      };

      const deadline = Date.now() + (spec.readyTimeoutMs ?? 300_000);
      if ('port' in spec.ready) return waitForPort(spec.ready.port, () => entry.exitedYet, exitedBeforeReady, deadline);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${spec.name} was not ready within ${spec.readyTimeoutMs ?? 300_000} ms`)),
          deadline - Date.now(),
        );
        sawReadyLine = () => {
          clearTimeout(timer);
          resolve();
        };
        void entry.exited.then(async () => {
          clearTimeout(timer);
          reject(await exitedBeforeReady());
        });
      });
    },
    async stop(signal, timeoutMs = 20_000) {
      const entry = current;
      if (!entry || entry.exitedYet) return entry ? entry.exited : { code: null, signal: null };
      entry.child.kill(signal);
      // A stopped process does not act on SIGTERM until it runs again.
      if (entry.paused) {
        entry.child.kill('SIGCONT');
        entry.paused = false;
      }
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        entry.exited,
        new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs))),
      ]);
      clearTimeout(timer);
      return outcome;
    },
    pause() {
      if (!current || current.exitedYet || current.paused) return;
      current.child.kill('SIGSTOP');
      current.paused = true;
    },
    resume() {
      if (!current || !current.paused) return;
      current.child.kill('SIGCONT');
      current.paused = false;
    },
  };
}
