import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_MONEY, ValidationError } from '@ledger/platform';
import { commandInput, requirePageSize } from './command-input.js';

const id = '0F8FAD5B-D9CB-469F-A165-70867728950E';
const other = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

describe('command input rules', () => {
  test('give each field its stored form', () => {
    assert.deepEqual(commandInput.openAccount({ owner: ' bob ', correlationId: 'c' }), {
      owner: 'bob',
      correlationId: 'c',
    });
    assert.deepEqual(commandInput.deposit({ accountId: id, amount: 5n, idempotencyKey: null }), {
      accountId: id.toLowerCase(),
      amount: 5n,
      idempotencyKey: undefined,
    });
    assert.equal(commandInput.transfer({ from: id, to: other, amount: MAX_MONEY }).from, id.toLowerCase());
  });

  test('refuse what no command accepts', () => {
    const bad: Array<() => unknown> = [
      () => commandInput.openAccount({ owner: '   ' }),
      () => commandInput.openAccount({ owner: 'x'.repeat(201) }),
      () => commandInput.openAccount({ owner: 'nul\u0000byte' }),
      () => commandInput.openAccount({ owner: 'bell\u0007' }),
      () => commandInput.openAccount({ owner: 'half \ud800 a pair' }),
      () => commandInput.deposit({ accountId: 'nope', amount: 1n }),
      () => commandInput.deposit({ accountId: id, amount: 0n }),
      () => commandInput.withdraw({ accountId: id, amount: MAX_MONEY + 1n }),
      () => commandInput.deposit({ accountId: id, amount: 1n, idempotencyKey: '' }),
      () => commandInput.deposit({ accountId: id, amount: 1n, idempotencyKey: 'k'.repeat(201) }),
      () => commandInput.transfer({ from: id, to: id.toLowerCase(), amount: 1n }),
      () => requirePageSize(101),
      () => requirePageSize(0),
    ];
    for (const run of bad) assert.throws(run, ValidationError);
    assert.equal(commandInput.openAccount({ owner: ` ${'x'.repeat(200)} ` }).owner.length, 200);
    // Whole pairs, joiners and accents are text like any other.
    for (const owner of ['🦊 fox', 'a\u200db', 'Zoë', '東京'])
      assert.equal(commandInput.openAccount({ owner }).owner, owner);
    assert.equal(requirePageSize(undefined), 20);
  });
});
