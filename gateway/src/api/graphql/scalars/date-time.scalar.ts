import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * The string as a Date when it names a moment that exists: `new Date` would roll February 30th over
 * into March and 24:00 into the next day, and a statement's window would move without a word.
 */
function parseIso(value: string): Date | null {
  const match = ISO_8601.exec(value);
  if (!match) return null;
  const [year, month, day, hour] = match.slice(1, 5).map(Number) as [number, number, number, number];
  // Day 0 of the next month is this month's last (setUTCFullYear: Date.UTC maps years 0-99 to 1900-1999).
  const daysInMonth = new Date(new Date(0).setUTCFullYear(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23) return null;
  return new Date(value);
}

function toDate(value: unknown): Date {
  const date = value instanceof Date ? value : typeof value === 'string' ? parseIso(value) : null;
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
