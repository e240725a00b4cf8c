import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '@ledger/platform';
import {
  decodeFeedCursor,
  decodeStatementCursor,
  feedCursorEncoder,
  encodeStatementCursor,
  decodeAccountCursor,
  decodeTransactionCursor,
  encodeAccountCursor,
  encodeTransactionCursor,
} from './cursor.js';

describe('pagination cursors', () => {
  test('round-trip and are URL-safe', () => {
    const account = { owner: 'Zoë "the owner" / + =', id: '0b6f8b8e-1d1c-4e43-9a43-2f7a0d1f5c11' };
    const encoded = encodeAccountCursor(account);
    assert.match(encoded, /^[A-Za-z0-9_-]+$/);
    assert.deepEqual(decodeAccountCursor(encoded), account);
    const transaction = { createdAt: '2024-05-01T10:00:00.000Z', id: '7d4f3a0c-5b1e-4c38-8f0e-0f1c2a3b4d5e' };
    assert.deepEqual(decodeTransactionCursor(encodeTransactionCursor(transaction)), transaction);
  });

  test('a cursor of one listing is not accepted by the other', () => {
    const account = encodeAccountCursor({ owner: 'a', id: 'b' });
    const transaction = encodeTransactionCursor({ createdAt: 'a', id: 'b' });
    assert.throws(() => decodeTransactionCursor(account), ValidationError);
    assert.throws(() => decodeAccountCursor(transaction), ValidationError);
  });

  test('garbage is a ValidationError', () => {
    const json = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const bad of [
      '',
      'not a cursor!',
      '%%%',
      'eyJ',
      json({ owner: 'a', id: 'b' }),
      json(['a', 1, 'b']),
      json(['a', 'x']),
      'A'.repeat(5000),
    ]) {
      assert.throws(() => decodeAccountCursor(bad), ValidationError, bad);
    }
  });

  test('a live-feed cursor round-trips for its own accounts and is refused for others', () => {
    const ids = ['a-1', 'b-2', 'c-3'];
    const cursorOf = feedCursorEncoder(ids);
    const delivered = [4, 0, 17];
    const cursor = cursorOf(delivered);
    delivered[1] = 9; // a feed's next change: each cursor stands for the sequences it was given
    assert.deepEqual(decodeFeedCursor(cursorOf(delivered), ids), [4, 9, 17]);
    assert.deepEqual(decodeFeedCursor(cursor, ids), [4, 0, 17]);
    assert.throws(() => decodeFeedCursor(cursor, ['a-1', 'b-2']), /other accounts/);
    assert.throws(() => decodeFeedCursor(cursor, ['a-1', 'b-2', 'd-4']), /other accounts/);
    assert.throws(() => decodeFeedCursor(encodeAccountCursor({ owner: 'o', id: 'i' }), ids), ValidationError);
  });

  test('a statement cursor keeps the time and the sequence of its entry', () => {
    const cursor = encodeStatementCursor({ at: '2024-01-01T00:00:00.000Z', position: '3:42' }, 57);
    assert.deepEqual(decodeStatementCursor(cursor), {
      at: '2024-01-01T00:00:00.000Z',
      sequence: 42,
      untilSequence: 57,
    });
    // One made before cursors carried the statement's sequence reads as of now.
    const earlier = Buffer.from(JSON.stringify(['s', '2024-01-01T00:00:00.000Z', '42'])).toString('base64url');
    assert.deepEqual(decodeStatementCursor(earlier), { at: '2024-01-01T00:00:00.000Z', sequence: 42 });
    assert.throws(() => decodeStatementCursor(feedCursorEncoder(['a'])([1])), ValidationError);
  });
});
