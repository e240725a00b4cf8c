import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from './ports.js';
import { supervise } from './supervisor.js';
import type { Readiness } from './supervisor.js';

/** A node process running `script`, supervised with `ready`; what its failed start said, and its log. */
async function failedStart(script: string, ready: Readiness): Promise<{ message: string; log: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-supervisor-'));
  try {
    const logFile = join(dir, 'server.log');
    const server = supervise({ name: 'server', command: process.execPath, args: () => ['-e', script], ready, logFile });
    const error = await server.start().then(
      () => assert.fail('it started'),
      (reason: unknown) => reason as Error,
    );
    await new Promise((resolve) => setTimeout(resolve, 50)); // the log stream's last writes
    return { message: error.message, log: readFileSync(logFile, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const dies = `console.log('opening the store'); console.error('SqliteError: database is locked'); process.exit(3);`;

test('a process that exits before its ready line: the error quotes its last lines, as its log holds them', async () => {
  const { message, log } = await failedStart(dies, { line: (line) => line === 'ready' });
  assert.match(message, /^server exited \(3\) before it was ready; its last lines:\n/);
  assert.match(message, /\n {2}opening the store\n/);
  assert.match(message, /\n {2}\[stderr\] SqliteError: database is locked\n/);
  assert.match(message, /\nsee .*server\.log$/);
  assert.match(log, /opening the store\n/);
  assert.match(log, /\[stderr\] SqliteError: database is locked\n/);
});

test('a process that exits before it listens on its port: the same', async () => {
  const [port] = await freePorts(1);
  const { message } = await failedStart(dies, { port: port! });
  assert.match(message, /^server exited \(3\) before it was ready; its last lines:\n/);
  assert.match(message, /\[stderr\] SqliteError: database is locked/);
});

test('only the last 20 lines are quoted', async () => {
  const script = `for (let i = 0; i < 30; i++) console.log('line ' + String(i).padStart(2, '0')); process.exit(1);`;
  const { message, log } = await failedStart(script, { line: () => false });
  const quoted = message.split('\n').filter((line) => line.startsWith('  line '));
  assert.deepEqual(
    quoted.map((line) => line.trim()),
    Array.from({ length: 20 }, (_, i) => `line ${String(i + 10).padStart(2, '0')}`),
  );
  assert.match(log, /line 00\n/);
});
