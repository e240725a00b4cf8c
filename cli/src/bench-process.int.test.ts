import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { cpuMsOf, eventLoopCpuMsOf, threadCpuMsOf } from './bench-process.js';

// A process whose worker thread spins for 600 ms of CPU, then its main thread for 300 ms.
const SPINNER = `
const { Worker } = require('node:worker_threads');
const spin = (us) => {
  const used = () => { const { user, system } = process.cpuUsage(); return user + system; };
  const end = used() + us;
  while (used() < end);
};
const worker = new Worker(\`require('node:fs').writeFileSync('/proc/thread-self/comm', 'spinner'); (\${spin})(600_000)\`, { eval: true });
worker.on('exit', () => {
  spin(300_000);
  console.log('done');
});
console.log('ready');
`;

test("the bench tells the event loop's CPU time and a named thread's from the other threads' of a process", async (t) => {
  const child = spawn(process.execPath, ['-e', SPINNER], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => child.kill('SIGKILL'));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => String((await lines.next()).value);
  assert.equal(await next(), 'ready');
  const [total, eventLoop] = [cpuMsOf([child.pid!]), eventLoopCpuMsOf([child.pid!])];
  // The worker names itself as it starts; until then it has spent next to nothing.
  const named = threadCpuMsOf([child.pid!], 'spinner');
  let spentSpinner = 0;
  const watching = setInterval(
    () => (spentSpinner = Math.max(spentSpinner, threadCpuMsOf([child.pid!], 'spinner') - named)),
    50,
  );
  assert.equal(await next(), 'done');
  clearInterval(watching);
  const spentTotal = cpuMsOf([child.pid!]) - total;
  const spentEventLoop = eventLoopCpuMsOf([child.pid!]) - eventLoop;
  assert.ok(spentSpinner >= 400 && spentSpinner <= 700, `the thread named spinner: ${spentSpinner} ms`);
  assert.equal(threadCpuMsOf([child.pid!], 'no-such-thread'), 0);
  // The worker's spin is counted in the process and not in its event loop; the main thread's in both.
  assert.ok(spentEventLoop >= 200 && spentEventLoop < 600, `event loop ${spentEventLoop} ms`);
  assert.ok(spentTotal - spentEventLoop >= 400, `other threads ${spentTotal - spentEventLoop} ms of ${spentTotal}`);
});
