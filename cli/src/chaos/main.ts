#!/usr/bin/env node
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { checkLedger } from './checks.js';
import { defineCluster, killCluster, startCluster } from './cluster.js';
import type { ChaosCluster } from './cluster.js';
import { applyFault, describeFault, planFaults, restart } from './faults.js';
import { countLogSigns, formatReport } from './report.js';
import { clientsFor, fundAccounts, openAccounts, startWorkload } from './workload.js';

const USAGE = `usage: npm run chaos -- [options]

Starts its own nats-server and redis-server and a cluster of ledger processes (2 write-services,
2 projectors, 2 gateways), runs clients with idempotency keys through both gateways while it kills,
restarts and pauses processes, then checks that nothing was lost or applied twice.

  --faults N         number of faults (default 20)
  --seed N           seed of the fault schedule and the operations (default: random, printed)
  --gap-ms N         mean quiet time between faults (default 1500)
  --clients N        concurrent clients (default 4)
  --accounts N       accounts the clients move money between (default 6)
  --lease-ttl-ms N   LEASE_TTL_MS of the ledger processes (default 2000)
  --partitions N     LEDGER_PARTITIONS (default 8)
  --nats-server P    nats-server binary (default: on PATH, or /usr/sbin/nats-server)
  --redis-server P   redis-server binary (default: on PATH)
  --overlap N        faults in effect at once, on different processes (default 1)
  --keep             keep the run's directory (data and logs) even when it passes`;

function which(binary: string, fallbacks: string[]): string {
  try {
    return execFileSync('which', [binary], { encoding: 'utf8' }).trim();
  } catch {
    return fallbacks.find((path) => existsSync(path)) ?? binary;
  }
}

function parseOptions(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      faults: { type: 'string', default: '20' },
      seed: { type: 'string' },
      'gap-ms': { type: 'string', default: '1500' },
      clients: { type: 'string', default: '4' },
      accounts: { type: 'string', default: '6' },
      'lease-ttl-ms': { type: 'string', default: '2000' },
      partitions: { type: 'string', default: '8' },
      'nats-server': { type: 'string' },
      'redis-server': { type: 'string' },
      overlap: { type: 'string', default: '1' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const int = (name: keyof typeof values, min: number): number => {
    const value = Number(values[name]);
    if (!Number.isSafeInteger(value) || value < min) throw new TypeError(`--${name} must be an integer >= ${min}`);
    return value;
  };
  return {
    help: values.help!,
    faults: int('faults', 0),
    seed: values.seed === undefined ? randomInt(2 ** 31) : int('seed', 0),
    gapMs: int('gap-ms', 0),
    clients: int('clients', 1),
    accounts: int('accounts', 2),
    leaseTtlMs: int('lease-ttl-ms', 300),
    partitions: int('partitions', 1),
    overlap: int('overlap', 1),
    keep: values.keep!,
    natsServer: values['nats-server'] ?? which('nats-server', ['/usr/sbin/nats-server', '/usr/local/bin/nats-server']),
    redisServer:
      values['redis-server'] ?? which('redis-server', ['/usr/bin/redis-server', '/usr/local/bin/redis-server']),
  };
}

async function run(argv: string[]): Promise<number> {
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(argv);
  } catch (error) {
    console.error(`chaos: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  const command = `npm run chaos -- --seed ${options.seed} --faults ${options.faults} --gap-ms ${options.gapMs}${options.overlap > 1 ? ` --overlap ${options.overlap}` : ''}`;
  console.log(`chaos seed ${options.seed} (reproduce the fault schedule: ${command})`);
  const started = Date.now();
  const elapsed = (): string => `${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s`;
  const dir = mkdtempSync(join(tmpdir(), 'ledger-chaos-'));
  const violations: string[] = [];
  const violation = (message: string): void => {
    violations.push(message);
    console.log(`${elapsed()}  VIOLATION ${message}`);
  };

  let cluster: ChaosCluster | undefined;
  const cleanUp = async (): Promise<void> => {
    if (cluster) await killCluster(cluster);
  };
  const interrupted = (): void => {
    void cleanUp().then(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  try {
    // LEASE_TTL_MS + the read-your-writes wait + a margin: a call slower than that is abandoned and sent again.
    const rywTimeoutMs = 3_000;
    cluster = await defineCluster({
      dir,
      natsServer: options.natsServer,
      redisServer: options.redisServer,
      partitions: options.partitions,
      leaseTtlMs: options.leaseTtlMs,
      rywTimeoutMs,
      namespace: `chaos-${options.seed}`,
    });
    await startCluster(cluster);
    console.log(`${elapsed()}  cluster up in ${dir} (logs in ${cluster.logDir})`);

    const [setup] = clientsFor({ gatewayUrls: cluster.gatewayUrls, callTimeoutMs: 30_000 });
    const accounts = await openAccounts(setup!, options.accounts, `chaos-${options.seed}`);
    const funded = await fundAccounts(setup!, accounts, `chaos-${options.seed}`);
    await setup!.close();

    const workload = startWorkload({
      gatewayUrls: cluster.gatewayUrls,
      accounts,
      clients: options.clients,
      seed: options.seed,
      callTimeoutMs: rywTimeoutMs + 5_000,
      violation,
    });
    workload.acknowledged.push(...funded);

    const faults = planFaults({ ...options, nodes: cluster.nodes });
    await sleep(1_000);
    // `--overlap N`: N lanes take the faults in turn, so up to N are in effect at once (never two on one process).
    const busy = new Set<string>();
    const lane = async (first: number): Promise<void> => {
      for (let i = first; i < faults.length; i += options.overlap) {
        const fault = faults[i]!;
        while (busy.has(fault.target)) await sleep(100);
        busy.add(fault.target);
        console.log(
          `${elapsed()}  fault ${fault.index + 1}/${faults.length}: ${describeFault(fault)}  (${workload.acknowledged.length} acknowledged)`,
        );
        try {
          await applyFault(cluster!, fault, violation);
        } finally {
          busy.delete(fault.target);
        }
        await sleep(fault.gapMs);
      }
    };
    await Promise.all(Array.from({ length: options.overlap }, (_, first) => lane(first)));
    // Everything runs again (a failed restart was a violation; try once more), then the clients finish.
    for (const proc of [cluster.nats, cluster.redis, ...cluster.nodes]) {
      if (!proc.running()) await restart(proc, violation).catch(() => undefined);
    }
    console.log(`${elapsed()}  faults done; clients finish what they have in flight`);
    await workload.stop(60_000);

    console.log(`${elapsed()}  checking ${workload.acknowledged.length} acknowledged operations`);
    const ledgers = clientsFor({ gatewayUrls: cluster.gatewayUrls, callTimeoutMs: 30_000 });
    const checks = await checkLedger({
      ledgers,
      gatewayUrls: cluster.gatewayUrls,
      writeServices: cluster.writeServices,
      acknowledged: workload.acknowledged,
      settleTimeoutMs: 60_000,
    });
    await Promise.all(ledgers.map((ledger) => ledger.close()));
    await cleanUp();

    const ok = violations.length === 0 && checks.every((check) => check.ok);
    console.log(
      formatReport({
        seed: options.seed,
        command,
        durationMs: Date.now() - started,
        faults,
        acknowledged: workload.acknowledged,
        stats: workload.stats,
        checks,
        violations,
        logs: countLogSigns(cluster.logDir),
      }),
    );
    if (ok && !options.keep) rmSync(dir, { recursive: true, force: true });
    else console.log(`data and logs kept in ${dir}`);
    return ok ? 0 : 1;
  } catch (error) {
    console.error(`chaos: the run itself failed: ${(error as Error).stack ?? String(error)}`);
    console.error(`data and logs kept in ${dir}`);
    await cleanUp();
    return 1;
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
