import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { BalancerNotification, LeaseBalancer } from '../lease/balancer.js';

export interface LeaseMetrics {
  /** The balancer option `onNotification` of a worker kind: counts acquisitions and losses. */
  notified(kind: string): (notification: BalancerNotification) => void;
  /** Reports the partitions a balancer holds, at each scrape. */
  track(kind: string, memberId: string, balancer: LeaseBalancer): void;
}

/** Lease metrics: partitions held per worker kind and member, acquisitions, losses, failures. */
export function createLeaseMetrics(registry: Registry): LeaseMetrics {
  const balancers: Array<{ kind: string; member: string; balancer: LeaseBalancer }> = [];
  new Gauge({
    name: 'ledger_lease_partitions',
    help: 'Partitions whose lease this process holds, per worker kind and member',
    labelNames: ['kind', 'member'],
    registers: [registry],
    collect() {
      for (const { kind, member, balancer } of balancers) this.set({ kind, member }, balancer.owned().length);
    },
  });
  const acquired = new Counter({
    name: 'ledger_lease_acquisitions_total',
    help: 'Partition leases taken, per worker kind',
    labelNames: ['kind'],
    registers: [registry],
  });
  const lost = new Counter({
    name: 'ledger_lease_losses_total',
    help: 'Partition leases lost (not renewed in time, or taken over), per worker kind',
    labelNames: ['kind'],
    registers: [registry],
  });
  const failed = new Counter({
    name: 'ledger_partition_task_failures_total',
    help: 'Partition worker runs that failed and were restarted, per worker kind',
    labelNames: ['kind'],
    registers: [registry],
  });
  return {
    notified(kind) {
      const acquisitions = acquired.labels(kind);
      const losses = lost.labels(kind);
      const failures = failed.labels(kind);
      return (notification) => {
        if (notification.type === 'acquired') acquisitions.inc();
        else if (notification.type === 'leaseLost') losses.inc();
        else if (notification.type === 'taskFailed') failures.inc();
      };
    },
    track(kind, member, balancer) {
      balancers.push({ kind, member, balancer });
    },
  };
}
