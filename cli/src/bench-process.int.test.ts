import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { cpuMsOf, eventLoopCpuMsOf } from './bench-process.js';

// A process whose worker thread spins for 600 ms of CPU, then its main thread for 300 ms.
const SPINNER = `
const { Worker } = require('node:worker_threads');
const spin = (us) => {
  const used = () => { const { user, system } = process.cpuUsage(); return user + system; };
  const end = used() + us;
  while (used() < end);
};
const worker = new Worker(\`(\${spin})(600_000)\`, { eval: true });
worker.on('exit', () => {
  spin(300_000);
  console.log('done');
});
console.log('ready');
`;

test("the bench tells the event loop's CPU time from the other threads' of a process", async (t) => {
  const child = spawn(process.execPath, ['-e', SPINNER], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => child.kill('SIGKILL'));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => String((await lines.next()).value);
  assert.equal(await next(), 'ready');
  const [total, eventLoop] = [cpuMsOf([child.pid!]), eventLoopCpuMsOf([child.pid!])];
  assert.equal(await next(), 'done');
  const spentTotal = cpuMsOf([child.pid!]) - total;
  const spentEventLoop = eventLoopCpuMsOf([child.pid!]) - eventLoop;
  // The worker's spin is counted in the process and not in its event loop; the main thread's in both.
  assert.ok(spentEventLoop >= 200 && spentEventLoop < 600, `event loop ${spentEventLoop} ms`);
  assert.ok(spentTotal - spentEventLoop >= 400, `other threads ${spentTotal - spentEventLoop} ms of ${spentTotal}`);
});
