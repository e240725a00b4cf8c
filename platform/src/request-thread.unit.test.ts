import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResourceLimits } from 'node:worker_threads';
import { ConcurrencyError, NotFoundError, ValidationError } from './errors.js';
import { THREAD_YOUNG_GENERATION_MB, decodeError, encodeError, startRequestThread } from './request-thread.js';
import type { AnsweringRequest } from './testing/answering-thread.js';

test('errors cross a thread with what callers branch on', () => {
  const conflict = decodeError(structuredClone(encodeError(new ConcurrencyError('a1', 3, 4))));
  assert.ok(
    conflict instanceof ConcurrencyError,
    'a version conflict is still a ConcurrencyError (commands retry on it)',
  );
  assert.deepEqual([conflict.aggregateId, conflict.expected, conflict.actual], ['a1', 3, 4]);

  const missing = decodeError(structuredClone(encodeError(new NotFoundError('generation "g1" does not exist'))));
  assert.ok(missing instanceof NotFoundError, 'a ledger error keeps its class (and so its code)');
  assert.equal(missing.message, 'generation "g1" does not exist');

  const busy = Object.assign(new Error('database is locked'), { name: 'SqliteError', code: 'SQLITE_BUSY' });
  const decoded = decodeError(structuredClone(encodeError(busy))) as Error & { code?: string };
  assert.equal(decoded.message, 'database is locked');
  assert.equal(decoded.name, 'SqliteError');
  assert.equal(decoded.code, 'SQLITE_BUSY');
});

test('a request thread answers each request, passes on the errors its handler throws, and runs with a small young generation', async () => {
  const thread = startRequestThread<AnsweringRequest, unknown>(
    new URL('./testing/answering-thread.js', import.meta.url),
    undefined,
    'the answering thread',
    'ledger-answer',
  );
  try {
    assert.deepEqual(await Promise.all([1, 'two', { three: 3 }].map((echo) => thread.request({ echo }))), [
      1,
      'two',
      { three: 3 },
    ]);
    await assert.rejects(
      thread.request({ fail: 'no such thing' }),
      (error: unknown) => error instanceof ValidationError && error.message === 'no such thing',
    );
    assert.equal(await thread.request({ echo: 'after a failure' }), 'after a failure');
    const limits = (await thread.request({ limits: true })) as ResourceLimits;
    assert.equal(limits.maxYoungGenerationSizeMb, THREAD_YOUNG_GENERATION_MB);
  } finally {
    await thread.close();
  }
});
