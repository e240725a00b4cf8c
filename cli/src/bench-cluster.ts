// The distributed form of `npm run bench`: 2 write-services, 2 projectors and 1 gateway, each its own
// process, on NATS and Redis, sharing one SQLite store and read model (or MongoDB when MONGO_URL is set).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts, startLedgerProcess } from './testing/processes.js';
import { INSPECT, inspectorUrl, liveBytes } from './bench-heap.js';
import { localProcessNamed } from './bench-process.js';
import type { BenchProcess } from './bench-process.js';
import type { LedgerProcess, LogLine } from './testing/processes.js';
import { scrape } from './testing/scrape.js';

/** What one write-service's /metrics say about conflicts with the other. */
export interface WriterConflicts {
  readonly writer: string;
  /** Appends committed (ledger_append_batch_size_sum). */
  readonly appends: number;
  /** Store transactions run again (ledger_store_transaction_retries_total): MongoDB's write conflicts. */
  readonly transactionRetries: number;
  /** Commands decided again on fresh state after a version conflict (ledger_command_concurrency_retries_total). */
  readonly commandRetries: number;
}

export interface BenchCluster {
  readonly origin: string;
  readonly dataDir: string;
  readonly pids: () => number[];
  /** Its processes by role, and the NATS server and Redis where they run on this machine (beside). */
  readonly processes: () => BenchProcess[];
  /** The event store both write-services share. */
  readonly store: 'MongoDB' | 'SQLite';
  /** The gateway's live memory, read after a full collection (bench-heap.ts). */
  readonly liveBytes: () => Promise<number>;
  /** Conflicts each write-service counted so far, read from its /metrics. */
  conflicts(): Promise<WriterConflicts[]>;
  stop(): Promise<void>;
}

/** ws-1 -> write-service, proj-2 -> projector, gateway -> gateway. */
const roleOf = (name: string): string =>
  name.startsWith('ws-') ? 'write-service' : name.startsWith('proj-') ? 'projector' : name;

const isLocal = (url: string): boolean => {
  try {
    const host = new URL(url.includes('://') ? url : `nats://${url}`).hostname;
    return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
  } catch {
    return false;
  }
};

/** The NATS server and Redis, where they run on this machine (their CPU is part of a deposit's cost). */
function servicesBeside(natsUrl: string, redisUrl: string): BenchProcess[] {
  const found: BenchProcess[] = [];
  for (const [url, name] of [
    [natsUrl, 'nats-server'],
    [redisUrl, 'redis-server'],
  ] as const) {
    const pid = isLocal(url.split(',')[0]!) ? localProcessNamed(name) : undefined;
    if (pid !== undefined) found.push({ role: name, pid, beside: true });
  }
  return found;
}

export async function startBenchCluster(options: {
  partitions: number;
  /** More environment for every process. */
  env?: Record<string, string>;
}): Promise<BenchCluster> {
  const natsUrl = process.env.NATS_URL;
  const redisUrl = process.env.REDIS_URL;
  if (!natsUrl || !redisUrl) throw new Error('the distributed bench needs NATS_URL and REDIS_URL');
  const dataDir = mkdtempSync(join(tmpdir(), 'ledger-bench-cluster-'));
  const grpcPorts = await freePorts(2);
  // Health and metrics ports of their own (the defaults, 8081 and 8082, would be taken twice).
  const httpPorts = await freePorts(4);
  const env: Record<string, string> = {
    NATS_URL: natsUrl,
    REDIS_URL: redisUrl,
    LEDGER_NAMESPACE: `bench${randomUUID().slice(0, 8)}`,
    LEDGER_DATA_DIR: dataDir,
    LEDGER_PARTITIONS: String(options.partitions),
    LEASE_TTL_MS: '3000',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    WRITE_SERVICE_GRPC: grpcPorts.map((port) => `127.0.0.1:${port}`).join(','),
    ...(process.env.MONGO_URL ? { MONGO_URL: process.env.MONGO_URL } : {}),
    ...options.env,
  };
  const processes: LedgerProcess[] = [];
  const start = (name: string, role: string, extra: Record<string, string> = {}): LedgerProcess => {
    // The gateway opens its inspector, through which the bench reads its live memory.
    const nodeArgs = role === 'gateway' ? [INSPECT] : [];
    const proc = startLedgerProcess(name, [role], { ...env, LEDGER_MEMBER_ID: name, ...extra }, nodeArgs);
    processes.push(proc);
    return proc;
  };
  const stop = async (): Promise<void> => {
    for (const proc of processes) proc.child.kill('SIGTERM');
    await Promise.all(processes.map((proc) => proc.exited));
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const listening = (line: LogLine) => line.msg === 'write-service gRPC listening';
    const writers = grpcPorts.map((port, i) =>
      start(`ws-${i + 1}`, 'write-service', { GRPC_PORT: String(port), HTTP_PORT: String(httpPorts[i]) }),
    );
    await Promise.all(writers.map((proc) => proc.waitForLog(listening, 90_000)));
    const projectors = ['proj-1', 'proj-2'].map((name, i) =>
      start(name, 'projector', { HTTP_PORT: String(httpPorts[2 + i]) }),
    );
    const gateway = start('gateway', 'gateway', { PORT: '0' });
    const up = await gateway.waitForLog((line) => String(line.msg).startsWith('GraphQL gateway'), 90_000);
    const inspector = await inspectorUrl(gateway);
    // Every partition has its workers before the measurement starts.
    const acquired = (proc: LedgerProcess, worker: string): number =>
      proc.logs().filter((line) => line.msg === 'partition worker acquired' && line.worker === worker).length;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const sagas = writers.reduce((sum, proc) => sum + acquired(proc, 'saga'), 0);
      const projected = projectors.reduce((sum, proc) => sum + acquired(proc, 'projector'), 0);
      if (sagas >= options.partitions && projected >= options.partitions) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return {
      origin: `http://127.0.0.1:${Number(up.port)}`,
      dataDir,
      pids: () => processes.map((proc) => proc.child.pid!),
      processes: () => [
        ...processes.map((proc) => ({ role: roleOf(proc.name), pid: proc.child.pid! })),
        ...servicesBeside(natsUrl, redisUrl),
      ],
      store: process.env.MONGO_URL ? 'MongoDB' : 'SQLite',
      liveBytes: () => liveBytes(inspector),
      conflicts: () =>
        Promise.all(
          writers.map(async (proc, i) => {
            const metrics = await scrape(`http://127.0.0.1:${httpPorts[i]}`);
            return {
              writer: proc.name,
              appends: metrics.sum('ledger_append_batch_size_sum'),
              transactionRetries: metrics.sum('ledger_store_transaction_retries_total'),
              commandRetries: metrics.sum('ledger_command_concurrency_retries_total'),
            };
          }),
        ),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
