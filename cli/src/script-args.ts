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
