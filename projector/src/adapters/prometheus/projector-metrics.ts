import { Counter, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import { registerPartitionGauges } from '@ledger/platform';
import type { PartitionProgress } from '../../application/partition-progress.js';
import type { ProjectorMetrics } from '../../ports/metrics.js';

const SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** The projector's batch metrics on a Prometheus registry. */
export function createPrometheusProjectorMetrics(registry: Registry): ProjectorMetrics {
  const duration = new Histogram({
    name: 'ledger_projector_batch_duration_seconds',
    help: 'Duration of a projector batch (load, project, commit with the checkpoint), by partition',
    labelNames: ['partition'],
    buckets: SECONDS,
    registers: [registry],
  });
  const applied = new Counter({
    name: 'ledger_projector_events_total',
    help: 'Events applied to the read model by the projector, by partition',
    labelNames: ['partition'],
    registers: [registry],
  });
  const children = new Map<number, { duration: Histogram.Internal<string>; applied: Counter.Internal }>();
  return {
    batchApplied(partition, events, seconds) {
      let child = children.get(partition);
      if (!child) {
        const label = String(partition);
        child = { duration: duration.labels(label), applied: applied.labels(label) };
        children.set(partition, child);
      }
      child.duration.observe(seconds);
      child.applied.inc(events);
    },
  };
}

/**
 * The read model's progress per partition, read at each scrape: its checkpoint and its lag behind
 * the store, in events and in seconds. Every projector replica reports the same read model.
 */
export function registerProjectionGauges(registry: Registry, read: () => Promise<readonly PartitionProgress[]>): void {
  registerPartitionGauges(registry, read, [
    ['ledger_projector_checkpoint', 'Last sequence the read model applied, by partition', (p) => p.checkpoint],
    [
      'ledger_projection_lag_events',
      'Events committed but not yet in the read model, by partition',
      (p) => p.lagEvents,
    ],
    [
      'ledger_projection_lag_seconds',
      'Age of the oldest event not yet in the read model (0 when caught up), by partition',
      (p) => p.lagSeconds,
    ],
  ]);
}
