import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphQLError, parseValue } from 'graphql';
import { MoneyScalar } from './money.scalar.js';

const literal = (source: string): bigint => MoneyScalar.parseLiteral(parseValue(source)) as bigint;

const rejectsAsUserInput = (fn: () => unknown): void => {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof GraphQLError, String(error));
    assert.equal(error.extensions.code, 'BAD_USER_INPUT');
    return true;
  });
};

describe('Money scalar', () => {
  test('reads JSON integers and digit strings into bigints', () => {
    assert.equal(MoneyScalar.parseValue(1250), 1250n);
    assert.equal(MoneyScalar.parseValue('-42'), -42n);
    assert.equal(MoneyScalar.parseValue('9223372036854775807'), 9223372036854775807n);
    assert.equal(MoneyScalar.parseValue('-9223372036854775808'), -9223372036854775808n);
    assert.equal(literal('12'), 12n);
    assert.equal(literal('"9223372036854775807"'), 9223372036854775807n);
    // An integer literal is not limited to GraphQL's 32-bit Int.
    assert.equal(literal('9223372036854775807'), 9223372036854775807n);
  });

  test('rejects fractions, floats, overflow and garbage as BAD_USER_INPUT', () => {
    for (const bad of [
      1.5,
      1e30,
      Number.MAX_SAFE_INTEGER + 2,
      NaN,
      '1.5',
      '12abc',
      '',
      ' ',
      '0x10',
      '1e3',
      true,
      null,
      {},
      [],
    ]) {
      rejectsAsUserInput(() => MoneyScalar.parseValue(bad));
    }
    rejectsAsUserInput(() => MoneyScalar.parseValue('9223372036854775808'));
    rejectsAsUserInput(() => MoneyScalar.parseValue('-9223372036854775809'));
    for (const bad of ['1.5', '"1.5"', '"abc"', '9223372036854775808', 'true', 'FIVE', '[1]', '{a: 1}']) {
      rejectsAsUserInput(() => literal(bad));
    }
  });

  test('writes digit strings', () => {
    assert.equal(MoneyScalar.serialize(9223372036854775807n), '9223372036854775807');
    assert.equal(MoneyScalar.serialize(-5n), '-5');
    assert.equal(MoneyScalar.serialize('0'), '0');
    assert.throws(() => MoneyScalar.serialize(1.5));
  });
});
