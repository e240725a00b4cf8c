// The lease balancer's failover scenarios, run over every lease store: in-process (unit) and Redis (int).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { createCluster, waitFor } from './balancer-harness.js';
import type { Cluster, ConnectReplica, Replica } from './balancer-harness.js';

const PARTITIONS = 16;
const TTL = 600;
// Bounds for "within about one TTL": a move takes up to a TTL for an expiry plus a tick or two.
const MOVE_WITHIN = 3 * TTL;

export function defineBalancerScenarios(store: string, connect: ConnectReplica): void {
  const scenario = (
    title: string,
    body: (cluster: Cluster, note: (message: string) => void) => Promise<void>,
    partitions = PARTITIONS,
  ): void => {
    test(`${title} (${store})`, async (t) => {
      const group = `balancer-${randomUUID().slice(0, 8)}`;
      const cluster = createCluster(connect, { group, partitions, ttlMs: TTL });
      try {
        await body(cluster, (message) => t.diagnostic(message));
      } finally {
        await cluster.close();
      }
      cluster.timeline.assertNoOverlap();
      assert.deepEqual(cluster.doubleOwned, [], 'sampled moments where two replicas owned a partition');
    });
  };
  const startThree = async (cluster: Cluster): Promise<Replica[]> => {
    const replicas = await Promise.all(['replica-a', 'replica-b', 'replica-c'].map((id) => cluster.add(id)));
    await waitFor('three replicas to share the partitions', () => cluster.balancedOver(replicas), 5 * TTL);
    return replicas;
  };
  const counts = (replicas: readonly Replica[]): number[] =>
    replicas.map((replica) => replica.balancer.owned().length).sort((a, b) => a - b);
  const moves = (replica: Replica): number =>
    replica.notifications.filter((n) => n.type === 'acquired' || n.type === 'released' || n.type === 'leaseLost')
      .length;

  // Concurrently: each scenario has its own group and connections, and mostly waits on timers.
  describe(`lease balancer scenarios: ${store}`, { concurrency: true }, () => {
    scenario('three replicas own 16 partitions 5/5/6, one owner each, steadily', async (cluster) => {
      const replicas = await startThree(cluster);
      assert.deepEqual(counts(replicas), [5, 5, 6]);
      const movesBefore = replicas.map(moves);
      await delay(2 * TTL); // settled: nothing moves while nobody joins or leaves
      assert.ok(cluster.balancedOver(replicas), 'every partition still owned and running on exactly one replica');
      assert.deepEqual(replicas.map(moves), movesBefore);
    });

    scenario('a replica stopping gracefully hands its partitions over within about one TTL', async (cluster, note) => {
      const [a, b, c] = await startThree(cluster);
      const held = c!.balancer.owned();
      await c!.balancer.stop();
      assert.deepEqual(c!.balancer.owned(), []);
      const released = c!.notifications.flatMap((n) => (n.type === 'released' ? [n.partition] : []));
      assert.deepEqual(
        released.sort((x, y) => x - y),
        held,
        'it released its leases rather than let them expire',
      );
      assert.ok(!(await a!.link.store.members(cluster.group)).includes(c!.id), 'it left the group');
      const moved = await waitFor('a and b to take over', () => cluster.balancedOver([a!, b!]), MOVE_WITHIN);
      assert.deepEqual(counts([a!, b!]), [8, 8]);
      note(`moved ${moved} ms after the graceful stop (TTL ${TTL} ms)`);
      assert.ok(moved < MOVE_WITHIN / 2, `moved in ${moved} ms: a graceful stop need not wait for an expiry`);
    });

    scenario('a crashed replica has its partitions re-owned after about one TTL', async (cluster, note) => {
      const [a, b, c] = await startThree(cluster);
      const crashedAt = Date.now();
      await c!.balancer.abandon();
      const moved = await waitFor('a and b to take over', () => cluster.balancedOver([a!, b!]), MOVE_WITHIN);
      assert.deepEqual(counts([a!, b!]), [8, 8]);
      note(`re-owned ${moved} ms after the crash (TTL ${TTL} ms)`);
      // Its leases were renewed at most a tick before the crash: nobody may start before they expire.
      const after = Date.now() - crashedAt;
      assert.ok(after >= TTL / 2, `taken over ${after} ms after the crash, before its leases could expire`);
    });

    scenario('a joining replica gets its share', async (cluster, note) => {
      const a = await cluster.add('replica-a');
      const b = await cluster.add('replica-b');
      await waitFor('a and b to share', () => cluster.balancedOver([a, b]), 5 * TTL);
      const c = await cluster.add('replica-c');
      const joined = await waitFor('c to get its share', () => cluster.balancedOver([a, b, c]), MOVE_WITHIN);
      note(`c had its share ${joined} ms after joining`);
      assert.deepEqual(counts([a, b, c]), [5, 5, 6]);
    });

    scenario('a replica that cannot renew stops its workers before its leases expire', async (cluster, note) => {
      const [a, b, c] = await startThree(cluster);
      const lost = c!.balancer.owned();
      const cutAt = Date.now();
      c!.link.cut();
      await waitFor('c to give up its workers', () => c!.balancer.owned().length === 0, 2 * TTL);
      const runsOfC = cluster.timeline.runs.filter((run) => run.member === c!.id);
      await waitFor('c workers to end', () => runsOfC.every((run) => run.stoppedAt !== undefined), 2 * TTL);
      for (const run of runsOfC) assert.ok(run.stoppedAt! - cutAt < TTL, `stopped ${run.stoppedAt! - cutAt} ms after`);
      const lostNotified = c!.notifications.flatMap((n) => (n.type === 'leaseLost' ? [n.partition] : []));
      assert.deepEqual(
        [...new Set(lostNotified)].sort((x, y) => x - y),
        lost,
      );

      const moved = await waitFor('a and b to take over', () => cluster.balancedOver([a!, b!]), MOVE_WITHIN);
      note(`its workers stopped within ${Math.max(...runsOfC.map((run) => run.stoppedAt! - cutAt))} ms of the cut`);
      note(`a and b took over ${moved} ms after that`);
      c!.link.restore();
      await waitFor('c to come back for its share', () => cluster.balancedOver([a!, b!, c!]), MOVE_WITHIN);
    });

    scenario('a worker slow to stop does not hold up the renewal of the others', async (cluster) => {
      // a's odd partitions take two TTLs to stop; when b joins they are b's, and a must keep its evens.
      const a = await cluster.add('replica-a', (p) => (p % 2 === 1 ? 2 * TTL : 0));
      await waitFor('a to own everything', () => cluster.balancedOver([a]), 5 * TTL);
      const b = await cluster.add('replica-b');
      await waitFor('b to get the odd partitions', () => cluster.balancedOver([a, b]), 2 * TTL + MOVE_WITHIN);
      const trouble = a.notifications.filter((n) => n.type === 'leaseLost' || n.type === 'storeUnavailable');
      assert.deepEqual(trouble, [], 'a kept every lease it was still entitled to');
    });

    scenario(
      'a lost partition is not taken again while its old worker is still stopping',
      async (cluster) => {
        const a = await cluster.add('replica-a', () => 3 * TTL);
        await waitFor('a to own everything', () => cluster.balancedOver([a]), 5 * TTL);
        a.link.cut();
        await waitFor('a to lose its leases', () => a.balancer.owned().length === 0, 2 * TTL);
        await delay(TTL); // the leases expire while the old workers are still winding down
        a.link.restore();
        await waitFor('a to own everything again', () => cluster.balancedOver([a]), 3 * TTL + MOVE_WITHIN);
      },
      4,
    );
  });
}
