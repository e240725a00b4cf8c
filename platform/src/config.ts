import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);

/** The write service's gRPC port when GRPC_PORT is not set (outside `ledger all`). */
export const DEFAULT_GRPC_PORT = 50051;
const positiveInt = z.coerce.number().int().positive();
const url = z.string().trim().min(1).optional();
const onOff = z.enum(['on', 'off']);

const optionalText = z.string().trim().min(1).optional();

const fields = z.object({
  PORT: port.default(4000),
  /** Gateway bind address; unset: loopback without authentication, every interface with it. */
  HOST: z.string().trim().min(1).optional(),
  /** write-service gRPC port (default DEFAULT_GRPC_PORT; `ledger all` binds it on loopback only). */
  GRPC_PORT: port.optional(),
  /** Health and metrics port of a write-service (default 8081) or projector (8082) run alone; `all` uses PORT. */
  HTTP_PORT: port.optional(),
  /** Identity of this replica in lease membership (default: host-pid-random). */
  LEDGER_MEMBER_ID: z.string().trim().min(1).optional(),
  LEDGER_DATA_DIR: z.string().min(1).default('./data'),
  LEDGER_PARTITIONS: positiveInt.max(4096).default(16),
  LEASE_TTL_MS: positiveInt.min(300).default(10_000),
  LEDGER_SNAPSHOT_EVERY: positiveInt.default(100),
  LEDGER_RYW_TIMEOUT_MS: positiveInt.default(5_000),
  /** OTLP/HTTP collector (e.g. http://otel-collector:4318): traces are exported there; off when unset. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MONGO_URL: url,
  NATS_URL: url,
  ELASTIC_URL: url,
  REDIS_URL: url,
  /** host:port of the write service, or a comma list of ip:port replicas (balanced round robin). */
  WRITE_SERVICE_GRPC: z
    .string()
    .trim()
    .regex(/^[^\s:,]+:\d+(,[^\s:,]+:\d+)*$/, 'expected host:port or a comma list of host:port')
    .optional(),
  /** Prefix of NATS subjects and stream and of Redis keys, so several ledgers can share the engines. */
  LEDGER_NAMESPACE: z
    .string()
    .regex(/^[a-z][a-z0-9-]*$/, 'expected lowercase letters, digits and dashes')
    .default('ledger'),
  /** Requests per second per subject (a token's subject, else the client address), GraphQL, REST and websockets. */
  LEDGER_RATE_LIMIT: positiveInt.max(1_000_000).default(10_000),
  /** only: run nothing but the client's persisted documents; allow: those and free text; off: any operation. */
  LEDGER_TRUSTED_DOCUMENTS: z.enum(['only', 'allow', 'off']).default('off'),
  /** Websockets one subject may hold open on one gateway. */
  LEDGER_SOCKETS_PER_SUBJECT: positiveInt.default(64),
  /** Operations (subscriptions) running at once on one websocket. */
  LEDGER_SUBSCRIPTIONS_PER_SOCKET: positiveInt.default(100),
  LEDGER_INTROSPECTION: onOff.default('on'),
  LEDGER_PLAYGROUND: onOff.default('on'),
  /** Unset means `none` on loopback only; `none` set explicitly allows any HOST. */
  LEDGER_AUTH: z.enum(['none', 'jwt']).optional(),
  /** HS256 shared secret; 32 characters at least (256 bits, as RFC 7518 asks of HS256 keys). */
  LEDGER_JWT_SECRET: z.string().min(32, 'expected at least 32 characters').optional(),
  /** An OIDC provider's key set (RS256, ES256). */
  LEDGER_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
  LEDGER_JWT_ISSUER: optionalText,
  LEDGER_JWT_AUDIENCE: optionalText,
  /**
   * Shared by the processes of one deployment: every gRPC call to the write service carries it, and the
   * write service refuses calls without it. Required under jwt when the services run apart.
   */
  LEDGER_SERVICE_SECRET: z.string().min(32, 'expected at least 32 characters').optional(),
  /** The claim holding the roles (an array of strings); a dotted path reaches into nested claims. */
  LEDGER_JWT_ROLES_CLAIM: z.string().trim().min(1).default('roles'),
});

const LOOPBACK = /^(127(\.\d{1,3}){3}|::1|localhost)$/i;

/** Whether a bind address only accepts connections from this machine. */
export const isLoopback = (host: string): boolean => LOOPBACK.test(host);

const schema = fields
  .superRefine((config, context) => {
    if (config.LEDGER_AUTH === 'jwt' && !config.LEDGER_JWT_SECRET && !config.LEDGER_JWKS_URL) {
      context.addIssue({
        code: 'custom',
        path: ['LEDGER_AUTH'],
        message: 'jwt needs LEDGER_JWT_SECRET (HS256) or LEDGER_JWKS_URL (RS256/ES256)',
      });
    }
    if (config.LEDGER_JWT_SECRET && config.LEDGER_JWKS_URL) {
      context.addIssue({
        code: 'custom',
        path: ['LEDGER_JWKS_URL'],
        message: 'set LEDGER_JWT_SECRET or LEDGER_JWKS_URL, not both (one kind of key per deployment)',
      });
    }
    if (config.LEDGER_AUTH === undefined && config.HOST !== undefined && !isLoopback(config.HOST)) {
      context.addIssue({
        code: 'custom',
        path: ['HOST'],
        message:
          'refusing to open the API without authentication on a non-loopback address: ' +
          'set LEDGER_AUTH=jwt (with LEDGER_JWT_SECRET or LEDGER_JWKS_URL), or LEDGER_AUTH=none to mean it',
      });
    }
  })
  .transform((config) => {
    const auth = config.LEDGER_AUTH ?? 'none';
    return { ...config, LEDGER_AUTH: auth, HOST: config.HOST ?? (auth === 'jwt' ? '0.0.0.0' : '127.0.0.1') };
  });

export type LedgerConfig = z.output<typeof schema>;

/** Every environment variable the configuration reads. */
export const CONFIG_VARIABLES = Object.keys(fields.shape) as ReadonlyArray<keyof LedgerConfig>;

export class ConfigError extends Error {
  constructor(readonly issues: readonly string[]) {
    super(`invalid configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Where a process finds the write service: WRITE_SERVICE_GRPC, else this host's GRPC_PORT (or the default). */
export function writeServiceAddress(config: LedgerConfig): string {
  return config.WRITE_SERVICE_GRPC ?? `127.0.0.1:${config.GRPC_PORT ?? DEFAULT_GRPC_PORT}`;
}

/** Reads and validates the environment; the one place env is read. A bad value names its variable. */
export function loadConfig(env: Record<string, string | undefined>): LedgerConfig {
  // An empty variable means "not set", as shells and compose files often leave them.
  const cleaned = Object.fromEntries(
    Object.keys(fields.shape).map((key) => [key, env[key] === '' ? undefined : env[key]]),
  );
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const name = issue.path.join('.');
        // A secret's value stays out of logs, even a wrong one.
        const shown = name.endsWith('_SECRET') ? '<hidden>' : JSON.stringify(env[name] ?? '');
        return `${name}=${shown}: ${issue.message}`;
      }),
    );
  }
  return result.data;
}
