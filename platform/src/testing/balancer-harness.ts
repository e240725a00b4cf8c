// Test support for the balancer scenarios: replicas over one shared lease store, and a timeline of
// every partition task's start and stop, so "never two workers on one partition" can be checked.
import assert from 'node:assert/strict';
import { createLeaseBalancer } from '../lease/balancer.js';
import type { BalancerNotification, LeaseBalancer, PartitionTask } from '../lease/balancer.js';
import type { LeaseStore } from '../lease/port.js';
import { untilAborted } from '../wait.js';

/** One replica's own connection to the shared lease store. */
export interface ReplicaLink {
  readonly store: LeaseStore;
  /** Makes the store unreachable from this replica (every call fails) until restore(). */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export type ConnectReplica = () => Promise<ReplicaLink>;

export interface TaskRun {
  readonly partition: number;
  readonly member: string;
  readonly token: number;
  /** Start and stop as one process-wide sequence: ordering needs no clock. */
  readonly startSeq: number;
  readonly startedAt: number;
  stopSeq?: number;
  stoppedAt?: number;
}

export interface Timeline {
  readonly runs: readonly TaskRun[];
  /** A task that ends `stopDelayMs(member, partition)` after its abort signal. */
  task(member: string, stopDelayMs?: (partition: number) => number): PartitionTask;
  /** Partitions whose task is running now, with the member running it. */
  active(): Map<number, string>;
  assertNoOverlap(): void;
}

export function createTimeline(): Timeline {
  let seq = 0;
  const runs: TaskRun[] = [];
  const running = new Map<number, TaskRun[]>();
  const overlaps: string[] = [];

  return {
    runs,
    task:
      (member, stopDelayMs) =>
      async ({ partition, lease, signal }) => {
        const run: TaskRun = { partition, member, token: lease.token, startSeq: ++seq, startedAt: Date.now() };
        const now = running.get(partition) ?? [];
        if (now.length > 0) overlaps.push(`partition ${partition}: ${member} started while ${now[0]!.member} ran`);
        running.set(partition, [...now, run]);
        runs.push(run);
        await untilAborted(signal);
        const delay = stopDelayMs?.(partition) ?? 0;
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
        run.stopSeq = ++seq;
        run.stoppedAt = Date.now();
        running.set(
          partition,
          running.get(partition)!.filter((other) => other !== run),
        );
      },
    active() {
      const active = new Map<number, string>();
      for (const [partition, now] of running) if (now.length > 0) active.set(partition, now[0]!.member);
      return active;
    },
    assertNoOverlap() {
      assert.deepEqual(overlaps, []);
      const byPartition = new Map<number, TaskRun[]>();
      for (const run of runs) byPartition.set(run.partition, [...(byPartition.get(run.partition) ?? []), run]);
      for (const [partition, list] of byPartition) {
        for (let i = 1; i < list.length; i++) {
          const [before, after] = [list[i - 1]!, list[i]!];
          assert.ok(
            before.stopSeq !== undefined && before.stopSeq < after.startSeq,
            `partition ${partition}: ${after.member} started before ${before.member} stopped`,
          );
          assert.ok(
            after.token > before.token,
            `partition ${partition}: fencing token ${after.token} after ${before.token}`,
          );
        }
      }
    },
  };
}

export interface Replica {
  readonly id: string;
  readonly link: ReplicaLink;
  readonly balancer: LeaseBalancer;
  readonly notifications: BalancerNotification[];
}

export interface Cluster {
  readonly group: string;
  readonly timeline: Timeline;
  readonly replicas: Replica[];
  /** Starts a replica; `stopDelayMs` makes its tasks slow to stop. */
  add(id: string, stopDelayMs?: (partition: number) => number): Promise<Replica>;
  /** Every partition owned by exactly one of `live`, spread as evenly as can be, and its task running there. */
  balancedOver(live: readonly Replica[]): boolean;
  /** Sampled every few ms while the cluster runs: "<partition>: <owners>" whenever two owned one. */
  readonly doubleOwned: readonly string[];
  close(): Promise<void>;
}

export function createCluster(
  connect: ConnectReplica,
  options: { group: string; partitions: number; ttlMs: number },
): Cluster {
  const timeline = createTimeline();
  const replicas: Replica[] = [];
  const doubleOwned: string[] = [];
  const owners = (): Map<number, string[]> => {
    const owners = new Map<number, string[]>();
    for (const replica of replicas) {
      for (const p of replica.balancer.owned()) owners.set(p, [...(owners.get(p) ?? []), replica.id]);
    }
    return owners;
  };
  const sampler = setInterval(() => {
    for (const [p, ids] of owners()) if (ids.length > 1) doubleOwned.push(`${p}: ${ids.join(', ')}`);
  }, 5);
  return {
    doubleOwned,
    group: options.group,
    timeline,
    replicas,
    async add(id, stopDelayMs) {
      const link = await connect();
      const notifications: BalancerNotification[] = [];
      const balancer = createLeaseBalancer({
        name: options.group,
        partitions: options.partitions,
        leases: link.store,
        memberId: id,
        ttlMs: options.ttlMs,
        task: timeline.task(id, stopDelayMs),
        onNotification: (notification) => notifications.push(notification),
      });
      const replica = { id, link, balancer, notifications };
      replicas.push(replica);
      await balancer.start();
      return replica;
    },
    balancedOver(live) {
      const owned = owners();
      const active = timeline.active();
      for (let p = 0; p < options.partitions; p++) {
        const owner = owned.get(p);
        if (owner?.length !== 1 || active.get(p) !== owner[0]) return false;
      }
      const low = Math.floor(options.partitions / live.length);
      return live.every((replica) => {
        const count = replica.balancer.owned().length;
        return count === low || count === low + 1;
      });
    },
    async close() {
      clearInterval(sampler);
      await Promise.all(replicas.map((replica) => replica.balancer.stop()));
      await Promise.all(replicas.map((replica) => replica.link.close()));
    },
  };
}

/** Polls until `condition` holds; returns how long that took. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return Date.now() - started;
}

/** An in-process link: the replica's view of a shared store, with a switch that makes it unreachable. */
export function linkTo(shared: LeaseStore): ReplicaLink {
  let reachable = true;
  const guard =
    <Args extends unknown[], Result>(call: (...args: Args) => Promise<Result>) =>
    async (...args: Args): Promise<Result> => {
      if (!reachable) throw new Error('lease store unreachable');
      return call(...args);
    };
  return {
    store: {
      acquire: guard(shared.acquire),
      renew: guard(shared.renew),
      release: guard(shared.release),
      holders: guard(shared.holders),
      currentToken: guard(shared.currentToken),
      heartbeat: guard(shared.heartbeat),
      leave: guard(shared.leave),
      members: guard(shared.members),
      close: async () => undefined, // the shared store outlives each replica
    },
    cut: () => void (reachable = false),
    restore: () => void (reachable = true),
    close: async () => undefined,
  };
}
