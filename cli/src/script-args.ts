/**
 * The options of a script (`npm run bench`, `npm run bench:rebuild`), read by `parse` (node's
 * parseArgs, strict): `--help` prints `usage` and exits; an unknown or malformed option prints what
 * is wrong and the usage, and exits with 2.
 */
export function parseScriptArgs<Values>(parse: () => Values, usage: string): Values {
  if (process.argv.slice(2).some((arg) => arg === '--help' || arg === '-h')) {
    console.log(usage);
    process.exit(0);
  }
  try {
    return parse();
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
    process.exit(2);
  }
}

/**
 * A number option of a script: `text` as a number above 0 (or 0 and above, with `zero`), whole unless
 * `fraction`; anything else prints what the option takes and exits with 2.
 */
export function numberOption(
  script: string,
  name: string,
  text: string,
  what: string,
  { zero = false, fraction = false }: { zero?: boolean; fraction?: boolean } = {},
): number {
  const value = text.trim() === '' ? NaN : Number(text);
  if (Number.isFinite(value) && (fraction || Number.isInteger(value)) && (zero ? value >= 0 : value > 0)) return value;
  const kind = fraction ? 'a number' : 'a whole number';
  console.error(`${script}: ${name} takes ${what}, ${kind} ${zero ? '0 or above' : 'above 0'} (got "${text}")`);
  process.exit(2);
}
