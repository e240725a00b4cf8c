#!/usr/bin/env node
import { ConfigError, createLogger, loadConfig, startTracing } from '@ledger/platform';
import type { LedgerConfig, Logger } from '@ledger/platform';
import { startSystem } from './system.js';
import type { Role } from './system.js';
import { runRebuild } from './rebuild.js';
import { boundHeapGrowth, stopPretenuring } from './heap.js';
import { mintToken, TOKEN_USAGE } from './token.js';

const USAGE = `usage: ledger [command]

  all              gateway + write-service + projector in one process (default)
  gateway          the GraphQL gateway (needs WRITE_SERVICE_GRPC, NATS_URL)
  write-service    commands, event store, forwarder and saga workers (needs NATS_URL, REDIS_URL)
  projector        read-model projection workers (needs WRITE_SERVICE_GRPC, NATS_URL, REDIS_URL)
  rebuild balance  replay the store over gRPC into a fresh read model and swap it in
  token --sub alice --roles customer --ttl 1h
                   print a development JWT signed with LEDGER_JWT_SECRET

Configuration comes from the environment: PORT, LEDGER_DATA_DIR, LEDGER_PARTITIONS, LEASE_TTL_MS,
GRPC_PORT, WRITE_SERVICE_GRPC, MONGO_URL, NATS_URL, ELASTIC_URL, REDIS_URL, LOG_LEVEL; authentication
LEDGER_AUTH, LEDGER_JWT_SECRET, LEDGER_JWKS_URL, LEDGER_JWT_ISSUER, LEDGER_JWT_AUDIENCE, LEDGER_JWT_ROLES_CLAIM,
LEDGER_SERVICE_SECRET (between the processes);
and the limits LEDGER_RATE_LIMIT, LEDGER_TRUSTED_DOCUMENTS, LEDGER_SOCKETS_PER_SUBJECT,
LEDGER_SUBSCRIPTIONS_PER_SOCKET, LEDGER_INTROSPECTION, LEDGER_PLAYGROUND (see the README).`;

const ROLES: Record<string, Role[]> = {
  all: ['gateway', 'write-service', 'projector'],
  gateway: ['gateway'],
  'write-service': ['write-service'],
  projector: ['projector'],
};

/** Running one role alone means other processes share its bus and leases: those need real engines. */
function checkSeparateProcess(command: string, config: LedgerConfig): string | null {
  if (command === 'all') return null;
  const missing: string[] = [];
  if (!config.NATS_URL) missing.push('NATS_URL (the in-process bus cannot reach other processes)');
  if (command !== 'gateway' && !config.REDIS_URL) missing.push('REDIS_URL (in-process leases cannot be shared)');
  if (command !== 'write-service' && !config.WRITE_SERVICE_GRPC)
    missing.push('WRITE_SERVICE_GRPC (host:port of the write service)');
  return missing.length
    ? `ledger ${command} runs as a separate process and needs ${missing.join(', ')}; or run \`ledger all\``
    : null;
}

async function main(argv: readonly string[]): Promise<number> {
  const [command = 'all', ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return 0;
  }
  let config: LedgerConfig;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`ledger: ${error.message}`);
      return 2;
    }
    throw error;
  }
  if (command === 'token') {
    try {
      console.log(await mintToken(config, rest));
      return 0;
    } catch (error) {
      console.error(`ledger token: ${error instanceof Error ? error.message : String(error)}\n\n${TOKEN_USAGE}`);
      return 2;
    }
  }
  const logger = createLogger({ level: config.LOG_LEVEL, name: `ledger-${command}`, pretty: process.stdout.isTTY });

  if (command === 'rebuild') {
    if (rest[0] !== 'balance') {
      console.error(`ledger rebuild: unknown projection "${rest[0] ?? ''}"; the projection is "balance"\n\n${USAGE}`);
      return 2;
    }
    return runRebuild(config, logger);
  }
  const roles = ROLES[command];
  if (!roles) {
    console.error(`ledger: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  const problem = checkSeparateProcess(command, config);
  if (problem) {
    console.error(`ledger: ${problem}`);
    return 2;
  }
  return serve(command, new Set(roles), config, logger);
}

async function serve(command: string, roles: Set<Role>, config: LedgerConfig, logger: Logger): Promise<number> {
  boundHeapGrowth();
  stopPretenuring();
  const endpoint = config.OTEL_EXPORTER_OTLP_ENDPOINT;
  const tracing = await startTracing({ serviceName: `ledger-${command}`, endpoint });
  if (endpoint) logger.info({ endpoint }, 'tracing: spans exported over OTLP/HTTP');
  // The signals are ours before anything starts: a SIGTERM while the process is still starting (a
  // deployment that changes its mind, a crash loop) waits for the start, then drains what started,
  // instead of killing the process with leases taken and nothing handed back.
  const starting = startSystem({ config, logger, roles });
  let stopping = false;
  const drained = new Promise<number>((resolve) => {
    const shutdown = (signal: string): void => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      stopping = true;
      logger.info({ signal }, 'draining, then exiting');
      starting
        .then((system) => system.stop())
        .then(() => tracing.shutdown())
        .then(
          () => resolve(0),
          (error: unknown) => {
            logger.error({ err: error }, 'shutdown failed');
            resolve(1);
          },
        );
    };
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGINT', () => shutdown('SIGINT'));
  });
  await starting;
  return drained;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('ledger: failed to start:', error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
