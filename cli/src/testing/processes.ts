import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../main.js', import.meta.url));

/** One JSON log line of a service process. */
export interface LogLine {
  readonly time: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** A `ledger` process started by a test, with its output collected. */
export interface LedgerProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  stdout(): string;
  stderr(): string;
  /** Parsed JSON log lines so far (stdout). */
  logs(): LogLine[];
  /** Resolves with the first log line matching, or rejects after the timeout. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
}

export function startLedgerProcess(
  name: string,
  args: string[],
  env: Record<string, string>,
  /** Options for node itself, e.g. `--cpu-prof`. */
  nodeArgs: readonly string[] = [],
  /** The `ledger` entry to run (another checkout's, to compare builds). */
  main = MAIN,
): LedgerProcess {
  const child = spawn(process.execPath, [...nodeArgs, main, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const logs = (): LogLine[] =>
    stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);
  return {
    name,
    child,
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    logs,
    async waitForLog(match, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = logs().find(match);
        if (found) return found;
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(`${name}: expected log line not seen\n${stdout.slice(-2000)}\n${stderr.slice(-2000)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}

export { freePorts } from '../chaos/ports.js';
