import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function toDate(value: unknown): Date {
  const date =
    value instanceof Date ? value : typeof value === 'string' && ISO_8601.test(value) ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) {
    throw new GraphQLError('DateTime must be an ISO-8601 date-time string', { extensions: { code: 'BAD_USER_INPUT' } });
  }
  return date;
}

/** A point in time: a Date inside, an ISO-8601 string (UTC) on the wire. */
export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'A point in time as an ISO-8601 string in UTC, e.g. 2024-01-31T12:00:00.000Z.',
  serialize: (value) => toDate(value).toISOString(),
  parseValue: toDate,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime must be a string', { nodes: ast });
    return toDate(ast.value);
  },
});
