import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

export type { Registry } from 'prom-client';

/** The text a Prometheus scrape gets. */
export interface Exposition {
  readonly contentType: string;
  readonly body: string;
}

/**
 * The process's one metrics registry (a process may hold several systems in tests, so not the
 * global one), with Node's default metrics: event-loop delay, GC, heap, RSS, handles, CPU.
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** The registry in the Prometheus text format. */
export async function expose(registry: Registry): Promise<Exposition> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}

/**
 * One read shared by the gauges a scrape collects together (prom-client collects them
 * concurrently): calls made while a read is under way get that read; the next call reads anew.
 */
export function sharedRead<T>(read: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => (pending ??= read().finally(() => (pending = undefined)));
}

/** A gauge per partition: its name, help text, and the value it takes from a partition's progress. */
export type PartitionGauge<Progress> = readonly [name: string, help: string, pick: (progress: Progress) => number];

/**
 * Gauges labelled by partition, set at each scrape from one read of every partition's progress
 * (pass a sharedRead so the gauges of one scrape share it).
 */
export function registerPartitionGauges<Progress extends { readonly partition: number }>(
  registry: Registry,
  read: () => Promise<readonly Progress[]>,
  gauges: readonly PartitionGauge<Progress>[],
): void {
  for (const [name, help, pick] of gauges) {
    new Gauge({
      name,
      help,
      labelNames: ['partition'],
      registers: [registry],
      async collect() {
        for (const progress of await read()) this.set({ partition: String(progress.partition) }, pick(progress));
      },
    });
  }
}
