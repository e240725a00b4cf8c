import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sleep, startWait, untilAborted } from './wait.js';

test('a wait ends after its time, on abort, or when woken, and never rejects', async () => {
  const started = performance.now();
  await sleep(20);
  assert.ok(performance.now() - started >= 15);

  const controller = new AbortController();
  const aborted = untilAborted(controller.signal);
  const long = sleep(60_000, controller.signal);
  controller.abort();
  await Promise.all([aborted, long]);
  await sleep(60_000, controller.signal); // already aborted: at once

  const wait = startWait(60_000);
  wait.wake();
  await wait.done;
  wait.wake(); // a second wake is harmless
});
