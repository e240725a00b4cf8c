import { ValidationError } from './errors.js';

/** Money is a signed 64-bit count of minor units (cents). */
export const MAX_MONEY = 2n ** 63n - 1n;
export const MIN_MONEY = -(2n ** 63n);

const DIGITS = /^-?\d+$/;

/** Parses a JSON integer or a digit string into minor units; rejects fractions, floats and overflow. */
export function parseMoney(input: unknown, field = 'amount'): bigint {
  let value: bigint;
  if (typeof input === 'bigint') value = input;
  else if (typeof input === 'number') {
    if (!Number.isInteger(input)) {
      throw new ValidationError(`${field} must be an integer number of minor units (cents)`);
    }
    // Past 2^53 a JSON number is not the one its sender wrote: parsers round it.
    if (!Number.isSafeInteger(input)) {
      throw new ValidationError(`${field} is too large for a JSON number to be exact: send it as a digit string`);
    }
    value = BigInt(input);
  } else if (typeof input === 'string' && DIGITS.test(input.trim())) value = BigInt(input.trim());
  else
    throw new ValidationError(
      `${field} must be an integer number of minor units (cents), as a JSON integer or a digit string`,
    );
  if (value > MAX_MONEY || value < MIN_MONEY)
    throw new ValidationError(`${field} does not fit in a signed 64-bit integer`);
  return value;
}
