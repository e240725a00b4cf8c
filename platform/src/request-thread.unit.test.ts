import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConcurrencyError, NotFoundError } from './errors.js';
import { decodeError, encodeError } from './request-thread.js';

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
