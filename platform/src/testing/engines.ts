/** Real engines the integration suites can run against, with the env variable that points at each. */
export type Engine = 'nats' | 'redis' | 'mongo' | 'elastic';

const urlVariable: Record<Engine, string> = {
  nats: 'NATS_URL',
  redis: 'REDIS_URL',
  mongo: 'MONGO_URL',
  elastic: 'ELASTIC_URL',
};

/**
 * The URL of an engine's suite, or null when it is not set: the suite then skips, loudly. When the
 * engine is listed in LEDGER_REQUIRE_ENGINES (comma list, set by CI) a missing URL throws instead,
 * so CI cannot pass with the suite silently skipped.
 */
export function engineUrl(engine: Engine, env: NodeJS.ProcessEnv = process.env): string | null {
  const variable = urlVariable[engine];
  const url = env[variable]?.trim();
  if (url) return url;
  const required = (env.LEDGER_REQUIRE_ENGINES ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .includes(engine);
  if (required) {
    throw new Error(`${engine.toUpperCase()} suite required by LEDGER_REQUIRE_ENGINES but ${variable} is not set`);
  }
  console.warn(`${engine.toUpperCase()} suite SKIPPED: set ${variable}`);
  return null;
}
