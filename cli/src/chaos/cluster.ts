import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts } from './ports.js';
import { supervise } from './supervisor.js';
import type { Supervised } from './supervisor.js';

const LEDGER_MAIN = fileURLToPath(new URL('../main.js', import.meta.url));

export type LedgerRole = 'write-service' | 'projector' | 'gateway';

export interface LedgerNode extends Supervised {
  readonly role: LedgerRole;
}

export interface ChaosCluster {
  readonly nats: Supervised;
  readonly redis: Supervised;
  /** 2 write-services, 2 projectors, 2 gateways. */
  readonly nodes: readonly LedgerNode[];
  /** GraphQL endpoints of the gateways. */
  readonly gatewayUrls: readonly string[];
  /** host:port list of the write-services' gRPC servers. */
  readonly writeServices: string;
  readonly namespace: string;
  readonly logDir: string;
}

export interface ClusterOptions {
  readonly dir: string;
  readonly natsServer: string;
  readonly redisServer: string;
  readonly partitions: number;
  readonly leaseTtlMs: number;
  readonly rywTimeoutMs: number;
  readonly namespace: string;
}

/**
 * The processes of one chaos run: its own nats-server (JetStream, store in `dir`) and redis-server
 * on free loopback ports, and the ledger roles sharing one data directory (embedded SQLite store and
 * read model) and those engines. Fixed ports, so a restarted process is found where it was.
 */
export async function defineCluster(options: ClusterOptions): Promise<ChaosCluster> {
  const logDir = join(options.dir, 'logs');
  const dataDir = join(options.dir, 'data');
  mkdirSync(logDir, { recursive: true });
  mkdirSync(dataDir, { recursive: true });
  const [natsPort, redisPort, ws1, ws2, gw1, gw2] = await freePorts(6);
  const writeServices = `127.0.0.1:${ws1},127.0.0.1:${ws2}`;

  const nats = supervise({
    name: 'nats',
    command: options.natsServer,
    args: () => ['-a', '127.0.0.1', '-p', String(natsPort), '-js', '-sd', join(options.dir, 'nats')],
    ready: { port: natsPort! },
    logFile: join(logDir, 'nats.log'),
  });
  const redis = supervise({
    name: 'redis',
    command: options.redisServer,
    // No persistence, as in CI: a restart forgets every lease and membership.
    args: () => ['--bind', '127.0.0.1', '--port', String(redisPort), '--save', '', '--appendonly', 'no'],
    ready: { port: redisPort! },
    logFile: join(logDir, 'redis.log'),
  });

  const env = {
    NATS_URL: `nats://127.0.0.1:${natsPort}`,
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    LEDGER_NAMESPACE: options.namespace,
    LEDGER_DATA_DIR: dataDir,
    LEDGER_PARTITIONS: String(options.partitions),
    LEASE_TTL_MS: String(options.leaseTtlMs),
    LEDGER_RYW_TIMEOUT_MS: String(options.rywTimeoutMs),
    WRITE_SERVICE_GRPC: writeServices,
    HOST: '127.0.0.1',
    // Several write services and projectors on one host: each its own health port.
    HTTP_PORT: '0',
    // Loopback only: the chaos clients do not authenticate.
    LEDGER_AUTH: 'none',
  };
  const ready: Record<LedgerRole, (msg: string) => boolean> = {
    'write-service': (msg) => msg === 'write-service gRPC listening',
    projector: (msg) => msg === 'projector workers started',
    gateway: (msg) => msg.startsWith('GraphQL gateway'),
  };
  const node = (name: string, role: LedgerRole, own: Record<string, string>): LedgerNode => ({
    role,
    ...supervise({
      name,
      command: process.execPath,
      args: () => [LEDGER_MAIN, role],
      // A new member id per incarnation, as a restarted pod or process gets.
      env: (incarnation) => ({ ...env, ...own, LEDGER_MEMBER_ID: `${name}-${incarnation}` }),
      ready: { line: (line) => line.startsWith('{') && ready[role](messageOf(line)) },
      logFile: join(logDir, `${name}.log`),
    }),
  });
  const nodes = [
    node('ws-1', 'write-service', { GRPC_PORT: String(ws1) }),
    node('ws-2', 'write-service', { GRPC_PORT: String(ws2) }),
    node('proj-1', 'projector', {}),
    node('proj-2', 'projector', {}),
    node('gw-1', 'gateway', { PORT: String(gw1) }),
    node('gw-2', 'gateway', { PORT: String(gw2) }),
  ];
  return {
    nats,
    redis,
    nodes,
    gatewayUrls: [gw1, gw2].map((port) => `http://127.0.0.1:${port}/graphql`),
    writeServices,
    namespace: options.namespace,
    logDir,
  };
}

function messageOf(line: string): string {
  try {
    return String((JSON.parse(line) as { msg?: unknown }).msg ?? '');
  } catch {
    return '';
  }
}

/** Starts everything, engines first, in the order a deployment would. */
export async function startCluster(cluster: ChaosCluster): Promise<void> {
  await Promise.all([cluster.nats.start(), cluster.redis.start()]);
  const byRole = (role: LedgerRole) => cluster.nodes.filter((node) => node.role === role);
  await Promise.all(byRole('write-service').map((node) => node.start()));
  await Promise.all([...byRole('projector'), ...byRole('gateway')].map((node) => node.start()));
}

/** Kills whatever still runs (paused ones too). */
export async function killCluster(cluster: ChaosCluster): Promise<void> {
  await Promise.all([...cluster.nodes, cluster.nats, cluster.redis].map((proc) => proc.stop('SIGKILL', 5_000)));
}
