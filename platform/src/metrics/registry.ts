import { collectDefaultMetrics, Registry } from 'prom-client';

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
