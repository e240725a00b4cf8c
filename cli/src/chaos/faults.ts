import { setTimeout as sleep } from 'node:timers/promises';
import type { ChaosCluster } from './cluster.js';
import { createRandom } from './random.js';
import type { Supervised } from './supervisor.js';

export const FAULT_KINDS = ['sigkill', 'sigterm', 'pause', 'nats-restart', 'redis-restart'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface Fault {
  readonly index: number;
  readonly kind: FaultKind;
  /** Process name: a ledger node, "nats" or "redis". */
  readonly target: string;
  /** How the engines are stopped for a restart. */
  readonly signal: 'SIGKILL' | 'SIGTERM';
  /** How long the target stays dead or paused. */
  readonly downMs: number;
  /** Quiet time after the target is back, before the next fault. */
  readonly gapMs: number;
}

export interface PlanOptions {
  readonly seed: number;
  readonly faults: number;
  readonly gapMs: number;
  readonly leaseTtlMs: number;
  readonly nodes: readonly { readonly name: string; readonly role: string }[];
}

const WEIGHTS: Record<FaultKind, number> = {
  sigkill: 30,
  sigterm: 20,
  pause: 20,
  'nats-restart': 15,
  'redis-restart': 15,
};

/** The whole fault schedule, from the seed alone: the same seed gives the same faults, targets and timings. */
export function planFaults(options: PlanOptions): Fault[] {
  const random = createRandom(options.seed);
  const workers = options.nodes.filter((node) => node.role !== 'gateway').map((node) => node.name);
  const everyone = options.nodes.map((node) => node.name);
  return Array.from({ length: options.faults }, (_, index): Fault => {
    const kind = random.weighted(WEIGHTS);
    const signal = random.next() < 0.5 ? 'SIGKILL' : 'SIGTERM';
    const gapMs = random.int(Math.floor(options.gapMs / 2), Math.ceil((options.gapMs * 3) / 2));
    switch (kind) {
      case 'sigkill':
        return { index, kind, target: random.pick(everyone), signal: 'SIGKILL', downMs: random.int(0, 1_500), gapMs };
      case 'sigterm':
        return { index, kind, target: random.pick(everyone), signal: 'SIGTERM', downMs: random.int(0, 1_000), gapMs };
      case 'pause':
        // Longer than the lease TTL: the others take its partitions while it sleeps, then it wakes up.
        return {
          index,
          kind,
          target: random.pick(workers),
          signal,
          downMs: random.int(Math.ceil(options.leaseTtlMs * 1.5), options.leaseTtlMs * 3),
          gapMs,
        };
      case 'nats-restart':
        return { index, kind, target: 'nats', signal, downMs: random.int(200, 3_000), gapMs };
      case 'redis-restart':
        return { index, kind, target: 'redis', signal, downMs: random.int(200, 3_000), gapMs };
      default: {
        const never: never = kind;
        throw new Error(`unknown fault ${String(never)}`);
      }
    }
  });
}

/** How a process should end under SIGTERM: drained, exit code 0, within this time. */
const GRACEFUL_EXIT_MS = 20_000;

/**
 * Applies one fault and heals it (starts the target again, or wakes it up). What a fault shows
 * about the system itself (a process that does not drain on SIGTERM, or does not start again)
 * goes to `violation`.
 */
export async function applyFault(
  cluster: ChaosCluster,
  fault: Fault,
  violation: (message: string) => void,
): Promise<void> {
  const target = [cluster.nats, cluster.redis, ...cluster.nodes].find((proc) => proc.name === fault.target);
  if (!target) throw new Error(`no process named ${fault.target}`);
  switch (fault.kind) {
    case 'pause':
      target.pause();
      await sleep(fault.downMs);
      target.resume();
      return;
    case 'sigkill':
    case 'sigterm':
    case 'nats-restart':
    case 'redis-restart': {
      const ended = await target.stop(fault.signal, GRACEFUL_EXIT_MS);
      const isLedger = target !== cluster.nats && target !== cluster.redis;
      if (ended === 'timeout') {
        violation(`${target.name} did not exit within ${GRACEFUL_EXIT_MS} ms of ${fault.signal}`);
        await target.stop('SIGKILL');
      } else if (isLedger && fault.signal === 'SIGTERM' && ended.code !== 0) {
        violation(`${target.name} exited with ${ended.signal ?? ended.code} after SIGTERM (expected a drain and 0)`);
      }
      await sleep(fault.downMs);
      await restart(target, violation);
      return;
    }
    default: {
      const never: never = fault.kind;
      throw new Error(`unknown fault ${String(never)}`);
    }
  }
}

/** Starts a process again; one that will not start is a violation, tried a few times so the run goes on. */
export async function restart(target: Supervised, violation: (message: string) => void): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await target.start();
      return;
    } catch (error) {
      violation(`${target.name} did not start again (attempt ${attempt}): ${(error as Error).message}`);
      if (attempt >= 3) throw error;
      await target.stop('SIGKILL');
      await sleep(1_000);
    }
  }
}

export function describeFault(fault: Fault): string {
  switch (fault.kind) {
    case 'pause':
      return `SIGSTOP ${fault.target} for ${fault.downMs} ms, then SIGCONT`;
    case 'sigkill':
    case 'sigterm':
      return `${fault.signal} ${fault.target}, start it again after ${fault.downMs} ms`;
    case 'nats-restart':
    case 'redis-restart':
      return `${fault.signal} ${fault.target}, start it again after ${fault.downMs} ms`;
    default: {
      const never: never = fault.kind;
      throw new Error(`unknown fault ${String(never)}`);
    }
  }
}
