import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MongoNetworkError, MongoServerError } from 'mongodb';
import { ConcurrencyError, UnavailableError } from '@ledger/platform';
import { LostRace, claim, isDuplicateKey, translateError } from './errors.js';

// Errors shaped as the server sends them (code, codeName, errorLabels).
const duplicateKey = () => new MongoServerError({ message: 'E11000 duplicate key error', code: 11000 });
const writeConflict = () =>
  new MongoServerError({
    message: 'WriteConflict error',
    code: 112,
    codeName: 'WriteConflict',
    errorLabels: ['TransientTransactionError'],
  });

describe('mongo error handling', () => {
  test('isDuplicateKey recognises only the duplicate-key code', () => {
    assert.equal(isDuplicateKey(duplicateKey()), true);
    assert.equal(isDuplicateKey(writeConflict()), false);
    assert.equal(isDuplicateKey(new Error('E11000')), false);
    assert.equal(
      isDuplicateKey(Object.assign(duplicateKey(), { writeErrors: [{ code: 11000 }, { code: 121 }] })),
      false,
    );
    assert.equal(isDuplicateKey(Object.assign(duplicateKey(), { writeErrors: [{ code: 11000 }] })), true);
  });

  test('claim turns a duplicate key into LostRace and lets other failures through', async () => {
    await assert.rejects(claim('idempotency', Promise.reject(duplicateKey())), (error: unknown) => {
      assert.ok(error instanceof LostRace);
      assert.equal(error.on, 'idempotency');
      assert.ok(isDuplicateKey(error.cause));
      return true;
    });
    const conflict = writeConflict();
    await assert.rejects(claim('aggregate', Promise.reject(conflict)), (error: unknown) => error === conflict);
    assert.equal(await claim('aggregate', Promise.resolve(7)), 7);
  });

  test('unreachable-database failures become UNAVAILABLE, keeping the driver error as cause', () => {
    for (const cause of [new MongoNetworkError('connect ECONNREFUSED 10.0.0.7:27017'), writeConflict()]) {
      const translated = translateError(cause);
      assert.ok(translated instanceof UnavailableError);
      assert.equal(translated.code, 'UNAVAILABLE');
      assert.doesNotMatch(translated.message, /10\.0\.0\.7|WriteConflict/);
      assert.equal(translated.cause, cause);
    }
  });

  test('other errors pass through unchanged', () => {
    for (const error of [new ConcurrencyError('a', 1, 2), duplicateKey(), new Error('bug')]) {
      assert.equal(translateError(error), error);
    }
  });
});
