import type { Logger } from 'pino';
import type { Lease, LeaseStore } from './port.js';

/** What a partition worker gets while it owns its partition. */
export interface PartitionTaskContext {
  readonly partition: number;
  /** The grant it runs under; `lease.token` is the fencing token for its writes. */
  readonly lease: Lease;
  /** Aborted when the lease is lost, moves to another replica, or the balancer stops. */
  readonly signal: AbortSignal;
}

/** Runs until `signal` aborts; if it returns or throws earlier it is started again. */
export type PartitionTask = (context: PartitionTaskContext) => Promise<void>;

/** Recoverable conditions, reported rather than thrown. */
export type BalancerNotification =
  | { readonly type: 'acquired'; readonly partition: number; readonly token: number }
  | { readonly type: 'released'; readonly partition: number }
  | { readonly type: 'leaseLost'; readonly partition: number }
  | { readonly type: 'taskFailed'; readonly partition: number; readonly error: unknown }
  | { readonly type: 'storeUnavailable'; readonly error: unknown };

export interface LeaseBalancerOptions {
  /** Worker kind, e.g. "projector": the membership group and the lease name prefix. */
  readonly name: string;
  readonly partitions: number;
  readonly leases: LeaseStore;
  readonly memberId: string;
  readonly task: PartitionTask;
  readonly ttlMs?: number;
  readonly logger?: Logger;
  readonly onNotification?: (notification: BalancerNotification) => void;
}

export interface LeaseBalancer {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Partitions this replica runs now. */
  owned(): number[];
}

type Phase = 'idle' | 'running' | 'stopping' | 'stopped';

interface Owned {
  lease: Lease;
  controller: AbortController;
  running: Promise<void>;
  watchdog: NodeJS.Timeout;
}

/**
 * Spreads a kind's P partition workers evenly over the live replicas: the sorted member list
 * assigns partition p to member p mod n. Each replica heartbeats, gives up what is no longer its
 * own, and takes what is once the previous owner's lease is released or expired. A worker whose
 * lease could not be renewed is stopped before the lease expires, so no partition runs twice.
 */
export function createLeaseBalancer(options: LeaseBalancerOptions): LeaseBalancer {
  const ttlMs = options.ttlMs ?? 10_000;
  const tickMs = Math.max(50, Math.floor(ttlMs / 3));
  // Stop a worker this long before its lease would expire without renewal.
  const marginMs = Math.max(50, Math.floor(ttlMs / 5));
  const { leases, memberId, name } = options;
  const owned = new Map<number, Owned>();
  let phase: Phase = 'idle';
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> = Promise.resolve();

  const notify = (notification: BalancerNotification): void => {
    options.onNotification?.(notification);
    switch (notification.type) {
      case 'acquired':
      case 'released':
        options.logger?.debug({ worker: name, ...notification }, `partition ${notification.type}`);
        break;
      case 'leaseLost':
        options.logger?.warn({ worker: name, partition: notification.partition }, 'lease lost');
        break;
      case 'taskFailed':
        options.logger?.error(
          { worker: name, partition: notification.partition, err: notification.error },
          'worker failed',
        );
        break;
      case 'storeUnavailable':
        options.logger?.warn({ worker: name, err: notification.error }, 'lease store unavailable');
        break;
      default: {
        const never: never = notification;
        throw new Error(`unknown notification ${JSON.stringify(never)}`);
      }
    }
  };

  const armWatchdog = (partition: number, lease: Lease): NodeJS.Timeout =>
    setTimeout(
      () => {
        const entry = owned.get(partition);
        if (entry && entry.lease.token === lease.token) {
          notify({ type: 'leaseLost', partition });
          void stopWorker(partition, false);
        }
      },
      Math.max(0, lease.expiresAt - Date.now() - marginMs),
    );

  const runWorker = (partition: number, lease: Lease, controller: AbortController): Promise<void> =>
    (async () => {
      while (!controller.signal.aborted) {
        try {
          await options.task({ partition, lease: owned.get(partition)?.lease ?? lease, signal: controller.signal });
        } catch (error) {
          if (controller.signal.aborted) break;
          notify({ type: 'taskFailed', partition, error });
        }
        if (!controller.signal.aborted) await sleep(Math.min(1_000, tickMs), controller.signal);
      }
    })();

  const startWorker = (partition: number, lease: Lease): void => {
    const controller = new AbortController();
    const entry: Owned = { lease, controller, running: Promise.resolve(), watchdog: armWatchdog(partition, lease) };
    owned.set(partition, entry);
    entry.running = runWorker(partition, lease, controller);
    notify({ type: 'acquired', partition, token: lease.token });
  };

  const stopWorker = async (partition: number, release: boolean): Promise<void> => {
    const entry = owned.get(partition);
    if (!entry) return;
    owned.delete(partition);
    clearTimeout(entry.watchdog);
    entry.controller.abort();
    await entry.running;
    if (release) {
      await leases.release(entry.lease).catch(() => undefined);
      notify({ type: 'released', partition });
    }
  };

  const assignment = (members: readonly string[]): Set<number> => {
    const mine = new Set<number>();
    const index = members.indexOf(memberId);
    for (let p = 0; p < options.partitions; p++) if (p % members.length === index) mine.add(p);
    return mine;
  };

  const tick = async (): Promise<void> => {
    if (phase !== 'running') return;
    let members: string[];
    try {
      await leases.heartbeat(name, memberId, ttlMs);
      members = await leases.members(name);
    } catch (error) {
      notify({ type: 'storeUnavailable', error });
      return;
    }
    if (!members.includes(memberId)) members = [...members, memberId].sort();
    const mine = assignment(members);

    for (const [partition, entry] of [...owned]) {
      if (phase !== 'running') return;
      if (!mine.has(partition)) {
        await stopWorker(partition, true);
        continue;
      }
      try {
        const renewed = await leases.renew(entry.lease, ttlMs);
        if (renewed === null) {
          notify({ type: 'leaseLost', partition });
          await stopWorker(partition, false);
        } else if (owned.get(partition) === entry) {
          entry.lease = renewed;
          clearTimeout(entry.watchdog);
          entry.watchdog = armWatchdog(partition, renewed);
        }
      } catch (error) {
        notify({ type: 'storeUnavailable', error }); // the watchdog stops the worker in time
      }
    }

    for (const partition of mine) {
      if (phase !== 'running') return;
      if (owned.has(partition)) continue;
      try {
        const lease = await leases.acquire(`${name}/${partition}`, memberId, ttlMs);
        if (lease && phase === 'running') startWorker(partition, lease);
        else if (lease) await leases.release(lease);
      } catch (error) {
        notify({ type: 'storeUnavailable', error });
        return;
      }
    }
  };

  const schedule = (): void => {
    timer = setTimeout(() => {
      ticking = tick().finally(() => {
        if (phase === 'running') schedule();
      });
    }, tickMs);
  };

  return {
    async start() {
      switch (phase) {
        case 'idle':
          phase = 'running';
          ticking = tick();
          await ticking;
          schedule();
          return;
        case 'running':
          return;
        case 'stopping':
        case 'stopped':
          throw new Error(`balancer ${name} cannot start again once stopped`);
        default: {
          const never: never = phase;
          throw new Error(`unknown phase ${String(never)}`);
        }
      }
    },
    async stop() {
      if (phase !== 'running') {
        phase = 'stopped';
        return;
      }
      phase = 'stopping';
      clearTimeout(timer);
      await ticking;
      await Promise.all([...owned.keys()].map((partition) => stopWorker(partition, true)));
      await leases.leave(name, memberId).catch(() => undefined);
      phase = 'stopped';
    },
    owned() {
      return [...owned.keys()].sort((a, b) => a - b);
    },
  };
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
