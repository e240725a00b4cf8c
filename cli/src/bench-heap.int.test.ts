import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { INSPECT, inspectorUrl, liveBytes } from './bench-heap.js';

// A process that keeps about 24 MB of small objects on "keep" and lets them go on "drop".
const HOLDER = `
let kept = [];
require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'keep') kept = Array.from({ length: 400_000 }, (_, i) => ({ i, name: 'n' + i }));
  if (line === 'drop') kept = [];
  console.log('done ' + line);
});
console.log('ready');
`;

test("the bench's live memory counts what a process holds and not its garbage", async (t) => {
  const child = spawn(process.execPath, [INSPECT, '-e', HOLDER], { stdio: ['pipe', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => String((await lines.next()).value);
  assert.equal(await next(), 'ready');
  const url = await inspectorUrl({ name: 'holder', child, stderr: () => stderr });
  const send = async (command: string) => {
    child.stdin.write(`${command}\n`);
    assert.equal(await next(), `done ${command}`);
  };

  const before = await liveBytes(url);
  await send('keep');
  const holding = await liveBytes(url);
  assert.ok(holding - before > 16 * 2 ** 20, `holding ${((holding - before) / 2 ** 20).toFixed(1)} MB more`);
  await send('drop');
  // Garbage until a full collection: a reading of the heap's used size alone would still count it.
  const dropped = await liveBytes(url);
  assert.ok(dropped - before < 4 * 2 ** 20, `dropped, still ${((dropped - before) / 2 ** 20).toFixed(1)} MB more`);
});
