import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { cpuMsOf, eventLoopUseOf, localProcessNamed, threadUseOf } from './bench-process.js';

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
  const [total, eventLoop] = [cpuMsOf([child.pid!]), eventLoopUseOf([child.pid!]).cpuMs];
  // The worker names itself as it starts; until then it has spent next to nothing.
  const named = threadUseOf([child.pid!], 'spinner').cpuMs;
  let spentSpinner = 0;
  const watching = setInterval(
    () => (spentSpinner = Math.max(spentSpinner, threadUseOf([child.pid!], 'spinner').cpuMs - named)),
    50,
  );
  assert.equal(await next(), 'done');
  clearInterval(watching);
  const spentTotal = cpuMsOf([child.pid!]) - total;
  const spentEventLoop = eventLoopUseOf([child.pid!]).cpuMs - eventLoop;
  assert.ok(spentSpinner >= 400 && spentSpinner <= 700, `the thread named spinner: ${spentSpinner} ms`);
  assert.equal(threadUseOf([child.pid!], 'no-such-thread').cpuMs, 0);
  // The worker's spin is counted in the process and not in its event loop; the main thread's in both.
  assert.ok(spentEventLoop >= 200 && spentEventLoop < 600, `event loop ${spentEventLoop} ms`);
  assert.ok(spentTotal - spentEventLoop >= 400, `other threads ${spentTotal - spentEventLoop} ms of ${spentTotal}`);
});

// A worker thread that sleeps 40 times (5 ms each) and then spins for 200 ms of CPU; it reports each
// step and waits to be told before it ends, so that its thread is still there to be read.
const SLEEPER = `
const { Worker } = require('node:worker_threads');
const worker = new Worker(\`
  const { parentPort } = require('node:worker_threads');
  require('node:fs').writeFileSync('/proc/thread-self/comm', 'sleeper');
  parentPort.once('message', () => {
    const cell = new Int32Array(new SharedArrayBuffer(4));
    for (let i = 0; i < 40; i++) Atomics.wait(cell, 0, 0, 5);
    parentPort.postMessage('slept');
    parentPort.once('message', () => {
      const used = () => { const { user, system } = process.cpuUsage(); return user + system; };
      const end = used() + 200_000;
      while (used() < end);
      parentPort.postMessage('spun');
      parentPort.once('message', () => process.exit(0));
    });
  });
  parentPort.postMessage('named');
\`, { eval: true });
worker.on('message', (step) => console.log(step));
process.stdin.on('data', () => worker.postMessage('go'));
`;

/** A child driven line by line: `first` reads its first line, `step` writes a line and reads its answer. */
function stepped(child: ReturnType<typeof spawn>): { first(): Promise<string>; step(): Promise<string> } {
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => String((await lines.next()).value);
  return {
    first: next,
    async step() {
      child.stdin!.write('\n');
      return next();
    },
  };
}

test('the bench counts how often a named thread went to sleep, and not while it kept a core busy', async (t) => {
  const child = spawn(process.execPath, ['-e', SLEEPER], { stdio: ['pipe', 'pipe', 'inherit'] });
  t.after(() => child.kill('SIGKILL'));
  const { first, step } = stepped(child);
  assert.equal(await first(), 'named');
  const named = threadUseOf([child.pid!], 'sleeper');
  assert.equal(await step(), 'slept');
  const slept = threadUseOf([child.pid!], 'sleeper');
  assert.ok(slept.sleeps - named.sleeps >= 40, `sleeps while sleeping: ${slept.sleeps - named.sleeps}`);
  assert.equal(await step(), 'spun');
  const spun = threadUseOf([child.pid!], 'sleeper');
  assert.ok(spun.cpuMs - slept.cpuMs >= 150, `CPU while spinning: ${spun.cpuMs - slept.cpuMs} ms`);
  // Waiting for the message that starts the spin is one sleep or two; the spin itself adds none.
  assert.ok(spun.sleeps - slept.sleeps <= 5, `sleeps while spinning: ${spun.sleeps - slept.sleeps}`);
  assert.equal(threadUseOf([child.pid!], 'no-such-thread').sleeps, 0);
  child.stdin.write('\n');
});

// Once told on stdin, the main thread spins for 600 ms beside twice as many spinning worker threads as
// the machine has cores, and then reports, with the wall time in ms since it was told.
const CROWDER = `
const { Worker } = require('node:worker_threads');
const { availableParallelism } = require('node:os');
const now = () => Number(process.hrtime.bigint()) / 1e6;
const spin = (ms) => { const end = now() + ms; while (now() < end); };
process.stdin.once('data', () => {
  const told = now();
  for (let i = 0; i < 2 * availableParallelism(); i++) new Worker('const end = Date.now() + 3000; while (Date.now() < end);', { eval: true }).unref();
  setTimeout(() => { spin(600); console.log('spun ' + (now() - told)); }, 100);
});
console.log('ready');
`;

test('the bench tells how long the event loop waited for a free core: with its CPU time, the whole of a spin', async (t) => {
  const child = spawn(process.execPath, ['-e', CROWDER], { stdio: ['pipe', 'pipe', 'inherit'] });
  t.after(() => child.kill('SIGKILL'));
  const { first, step } = stepped(child);
  assert.equal(await first(), 'ready');
  const before = eventLoopUseOf([child.pid!]);
  const [spun, wallMs] = (await step()).split(' ');
  assert.equal(spun, 'spun');
  const after = eventLoopUseOf([child.pid!]);
  const cpuMs = after.cpuMs - before.cpuMs;
  const waitedMs = after.coreWaitMs - before.coreWaitMs;
  // A spinning thread never sleeps: it runs or waits for a core, so the two make up its 600 ms, and
  // beside more busy threads than cores (and whatever else runs) it waits for a good part of them.
  // They cannot exceed the wall time the child saw (its start of the workers included, which a
  // loaded machine makes long), less a margin for when the readings were taken.
  const total = cpuMs + waitedMs;
  const message = `ran ${cpuMs} ms, waited ${waitedMs} ms, in ${wallMs} ms of wall time`;
  assert.ok(total >= 550 && total <= Number(wallMs) + 50, message);
  assert.ok(waitedMs >= 150, `waited ${waitedMs} ms beside busy threads`);
});

/** A process that takes `name` as its command name (what `ps -o comm` shows) and says so. */
function named(name: string) {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `require('node:fs').writeFileSync('/proc/self/comm', ${JSON.stringify(name)}); console.log('ready'); setInterval(() => {}, 1000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const ready = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', () => resolve());
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
  });
  return { child, ready };
}

test('the bench finds a server it did not start by its command name, only where one alone runs', async (t) => {
  const name = `bench-${process.pid % 100_000}`;
  const one = named(name);
  t.after(() => one.child.kill('SIGKILL'));
  await one.ready;
  assert.equal(localProcessNamed(name), one.child.pid);
  assert.equal(localProcessNamed(`${name}-none`), undefined);

  const two = named(name);
  t.after(() => two.child.kill('SIGKILL'));
  await two.ready;
  // Two of that name: which one serves the bench is not known, so neither is taken.
  assert.equal(localProcessNamed(name), undefined);
});
