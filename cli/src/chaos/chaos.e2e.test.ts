import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHAOS = fileURLToPath(new URL('./main.js', import.meta.url));
const FAULTS = 20;

const found = (binary: string, fallback: string): boolean =>
  spawnSync('which', [binary]).status === 0 || spawnSync('test', ['-x', fallback]).status === 0;
const missing = [
  ...(found('nats-server', '/usr/sbin/nats-server') ? [] : ['nats-server']),
  ...(found('redis-server', '/usr/bin/redis-server') ? [] : ['redis-server']),
];
const required = /nats|redis/i.test(process.env.LEDGER_REQUIRE_ENGINES ?? '');
if (missing.length > 0 && !required) console.warn(`chaos run SKIPPED: ${missing.join(', ')} not installed`);

test(
  `npm run chaos with ${FAULTS} faults: every acknowledged operation settles once, balances exact, rebuild equal`,
  { skip: missing.length > 0 && !required, timeout: 480_000 },
  async (t) => {
    assert.deepEqual(missing, [], 'the chaos run starts its own nats-server and redis-server');
    const child = spawn(process.execPath, [CHAOS, '--faults', String(FAULTS), '--gap-ms', '500'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    const summary = output.slice(output.indexOf('\nchaos run, seed'));
    for (const line of summary.split('\n')) t.diagnostic(line);
    assert.equal(code, 0, output.slice(-8000));
    assert.match(output, /result: PASS/);
    assert.match(summary, new RegExp(`total\\s+${FAULTS}\\b`));
  },
);
