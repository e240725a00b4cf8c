import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import type { ValueNode } from 'graphql';
import { isLedgerError, parseMoney } from '@ledger/platform';

/** Money input is user input: every rejection is BAD_USER_INPUT, whichever way it arrived. */
function parseUserMoney(input: unknown): bigint {
  try {
    return parseMoney(input, 'Money');
  } catch (error) {
    if (isLedgerError(error)) throw new GraphQLError(error.message, { extensions: { code: 'BAD_USER_INPUT' } });
    throw error;
  }
}

/**
 * Signed 64-bit integer of minor units (cents), a bigint inside the gateway. Input: a JSON integer or
 * a digit string (JSON numbers above 2^53 lose precision before we see them, so those must be
 * strings). Output: a digit string, so no client parses money into a float.
 */
export const MoneyScalar = new GraphQLScalarType<bigint, string>({
  name: 'Money',
  description:
    'Signed integer number of minor units (cents), 64-bit. Input: JSON integer or digit string. Output: digit string.',
  serialize(value) {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'string' || typeof value === 'number') return parseMoney(value, 'Money').toString();
    throw new GraphQLError(`Money cannot represent ${typeof value}`);
  },
  parseValue: parseUserMoney,
  parseLiteral(ast: ValueNode) {
    if (ast.kind === Kind.INT || ast.kind === Kind.STRING)
      return parseUserMoney(ast.kind === Kind.INT ? BigInt(ast.value) : ast.value);
    throw new GraphQLError('Money must be an integer number of minor units (cents), as an integer or a digit string', {
      nodes: ast,
      extensions: { code: 'BAD_USER_INPUT' },
    });
  },
});
