import type { Logger } from 'pino';
import type { Lease, LeaseStore } from './port.js';
import { sleep } from '../wait.js';
import { assignPartitions } from './assignment.js';

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
  /** The partition's task has ended on this replica (after a move, a lost lease or a stop). */
  | { readonly type: 'stopped'; readonly partition: number; readonly token: number }
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
  /** Leaves the group, stops every worker and releases its lease once the worker has ended. */
  stop(): Promise<void>;
  /**
   * Stops as a crashed process would: workers are aborted, but leases and membership are left to expire.
   * For failover tests, and shutdowns that know the lease store is out of reach.
   */
  abandon(): Promise<void>;
  /** Partitions this replica runs now. */
  owned(): number[];
  /** True from start() until stop() or abandon(): the replica takes part in the balancing. */
  running(): boolean;
}

type Phase = 'idle' | 'running' | 'stopping' | 'stopped';

interface Owned {
  lease: Lease;
  readonly controller: AbortController;
  running: Promise<void>;
  watchdog?: NodeJS.Timeout;
}

/**
 * Spreads a kind's P partition workers evenly over the live replicas (see assignPartitions).
 * Each replica heartbeats, gives up what is no longer its
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
  // Workers told to stop whose task has not returned yet. Their partition is not taken again here
  // until it has, and waiting for them never holds up a tick.
  const stopping = new Map<number, Promise<void>>();
  let phase: Phase = 'idle';
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> = Promise.resolve();
  let shutdown: Promise<void> | undefined;

  const notify = (notification: BalancerNotification): void => {
    options.onNotification?.(notification);
    switch (notification.type) {
      case 'acquired':
      case 'released':
      case 'stopped':
        // One summary line per change of the set at info (see summarize); each step at debug.
        options.logger?.debug({ worker: name, ...notification }, `partition worker ${notification.type}`);
        break;
      case 'leaseLost':
        options.logger?.warn({ worker: name, partition: notification.partition }, `${name}: lease lost`);
        break;
      case 'taskFailed':
        options.logger?.error(
          { worker: name, partition: notification.partition, err: notification.error },
          `${name}: worker failed`,
        );
        break;
      case 'storeUnavailable':
        options.logger?.warn({ worker: name, err: notification.error }, `${name}: lease store unavailable`);
        break;
      default: {
        const never: never = notification;
        throw new Error(`unknown notification ${JSON.stringify(never)}`);
      }
    }
  };

  const armWatchdog = (partition: number, entry: Owned): NodeJS.Timeout =>
    setTimeout(
      () => {
        if (owned.get(partition) !== entry) return;
        notify({ type: 'leaseLost', partition });
        void stopWorker(partition, false);
      },
      Math.max(0, entry.lease.expiresAt - Date.now() - marginMs),
    );

  const runWorker = async (partition: number, entry: Owned): Promise<void> => {
    const { signal } = entry.controller;
    while (!signal.aborted) {
      try {
        await options.task({ partition, lease: entry.lease, signal });
      } catch (error) {
        if (signal.aborted) break;
        notify({ type: 'taskFailed', partition, error });
      }
      if (!signal.aborted) await sleep(Math.min(1_000, tickMs), signal);
    }
  };

  const startWorker = (partition: number, lease: Lease): void => {
    const entry: Owned = { lease, controller: new AbortController(), running: Promise.resolve() };
    entry.watchdog = armWatchdog(partition, entry);
    owned.set(partition, entry);
    entry.running = runWorker(partition, entry);
    notify({ type: 'acquired', partition, token: lease.token });
  };

  /**
   * Keeps a stopping worker's lease renewed until its task has ended, so nobody else starts the
   * partition while it winds down (a tick no longer renews it, and no tick runs during stop()).
   */
  const keepLease = (partition: number, entry: Owned): NodeJS.Timeout => {
    let lost = false;
    return setInterval(() => {
      if (lost) return;
      leases.renew(entry.lease, ttlMs).then(
        (renewed) => {
          if (renewed) entry.lease = renewed;
          else if (!lost) {
            lost = true;
            notify({ type: 'leaseLost', partition });
          }
        },
        (error: unknown) => notify({ type: 'storeUnavailable', error }),
      );
    }, tickMs);
  };

  /** Aborts a worker; the returned promise settles once its task has ended (and its lease is released). */
  const stopWorker = (partition: number, release: boolean): Promise<void> => {
    const entry = owned.get(partition);
    if (!entry) return stopping.get(partition) ?? Promise.resolve();
    owned.delete(partition);
    clearTimeout(entry.watchdog);
    entry.controller.abort();
    const keeping = release ? keepLease(partition, entry) : undefined;
    const stopped = (async () => {
      await entry.running;
      clearInterval(keeping);
      notify({ type: 'stopped', partition, token: entry.lease.token });
      // Only now may another replica start it.
      if (release) {
        await leases.release(entry.lease).catch((error: unknown) => notify({ type: 'storeUnavailable', error }));
        notify({ type: 'released', partition });
      }
    })().finally(() => stopping.delete(partition));
    stopping.set(partition, stopped);
    return stopped;
  };

  const renewWorker = async (partition: number, entry: Owned): Promise<void> => {
    const renewed = await leases.renew(entry.lease, ttlMs);
    // The watchdog may have given up on it meanwhile; a late renewal then just expires.
    if (owned.get(partition) !== entry) return;
    if (renewed === null) {
      notify({ type: 'leaseLost', partition });
      void stopWorker(partition, false);
      return;
    }
    entry.lease = renewed;
    clearTimeout(entry.watchdog);
    entry.watchdog = armWatchdog(partition, entry);
  };

  let summarized = '';
  /** "saga: 16 partitions", once per change of what this replica runs. */
  const summarize = (members: number): void => {
    const partitions = [...owned.keys()].sort((a, b) => a - b);
    const key = partitions.join(',');
    if (key === summarized) return;
    summarized = key;
    options.logger?.info(
      { worker: name, members },
      `${name}: ${partitions.length} partition${partitions.length === 1 ? '' : 's'}`,
    );
    options.logger?.debug({ worker: name, partitions }, `${name}: partitions held`);
  };

  const assignment = (members: readonly string[]): Set<number> =>
    assignPartitions(name, options.partitions, members).get(memberId) ?? new Set();

  const tick = async (): Promise<void> => {
    if (phase !== 'running') return;
    let members: string[];
    try {
      await leases.heartbeat(name, memberId, ttlMs);
      members = await leases.members(name);
    } catch (error) {
      notify({ type: 'storeUnavailable', error }); // the watchdogs stop the workers in time
      return;
    }
    if (!members.includes(memberId)) members = [...members, memberId].sort();
    const mine = assignment(members);

    for (const partition of [...owned.keys()]) if (!mine.has(partition)) void stopWorker(partition, true);

    // All at once: with many partitions, renewing one after another could outlast a lease.
    const renewals = await Promise.allSettled([...owned].map(([partition, entry]) => renewWorker(partition, entry)));
    const failed = renewals.find((result) => result.status === 'rejected');
    if (failed) notify({ type: 'storeUnavailable', error: failed.reason });

    for (const partition of mine) {
      if (phase !== 'running') return;
      if (owned.has(partition) || stopping.has(partition)) continue;
      try {
        const lease = await leases.acquire(`${name}/${partition}`, memberId, ttlMs);
        if (lease && phase === 'running') startWorker(partition, lease);
        else if (lease) await leases.release(lease);
      } catch (error) {
        notify({ type: 'storeUnavailable', error });
        break;
      }
    }
    if (phase === 'running') summarize(members.length);
  };

  const schedule = (): void => {
    timer = setTimeout(() => {
      ticking = tick()
        .catch((error: unknown) => options.logger?.error({ worker: name, err: error }, 'balancer tick failed'))
        .finally(() => {
          if (phase === 'running') schedule();
        });
    }, tickMs);
  };

  const shutDown = async (graceful: boolean): Promise<void> => {
    phase = 'stopping';
    clearTimeout(timer);
    await ticking.catch(() => undefined);
    // Leave first, so the others start reassigning while the workers here wind down.
    if (graceful)
      await leases.leave(name, memberId).catch((error: unknown) => notify({ type: 'storeUnavailable', error }));
    for (const partition of [...owned.keys()]) void stopWorker(partition, graceful);
    await Promise.all([...stopping.values()]);
    phase = 'stopped';
  };

  const end = (graceful: boolean): Promise<void> => {
    switch (phase) {
      case 'idle':
        phase = 'stopped';
        return Promise.resolve();
      case 'running':
        return (shutdown = shutDown(graceful));
      case 'stopping':
      case 'stopped':
        return shutdown ?? Promise.resolve();
      default: {
        const never: never = phase;
        throw new Error(`unknown phase ${String(never)}`);
      }
    }
  };

  return {
    async start() {
      switch (phase) {
        case 'idle':
          phase = 'running';
          ticking = tick();
          await ticking;
          if (phase === 'running') schedule();
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
    stop: () => end(true),
    abandon: () => end(false),
    owned() {
      return [...owned.keys()].sort((a, b) => a - b);
    },
    running: () => phase === 'running',
  };
}
