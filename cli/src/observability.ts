import { createHealthServer, createLeaseMetrics, createMetricsRegistry, expose, sharedRead } from '@ledger/platform';
import type { Exposition, LeaseMetrics, Logger, Registry } from '@ledger/platform';
import { createPrometheusWriteMetrics, readStoreProgress, registerStoreGauges } from '@ledger/write-service';
import type { EventStore, WriteMetrics } from '@ledger/write-service';
import { createPrometheusProjectorMetrics, readPartitionProgress, registerProjectionGauges } from '@ledger/projector';
import type { EventSource, ProjectorMetrics, ReadModel } from '@ledger/projector';
import type { GatewayMetrics } from '@ledger/gateway';

/**
 * One process's metrics and readiness: a Prometheus registry shared by every role it runs, each
 * role's instruments made once, and the readiness conditions the roles add as they start.
 */
export interface Observability {
  readonly leases: LeaseMetrics;
  write(): WriteMetrics;
  projector(): ProjectorMetrics;
  /** Imports the gateway package: only a process that runs a gateway asks. */
  gateway(): Promise<GatewayMetrics>;
  /** Per-partition store positions (head, forwarder, saga), read at each scrape. */
  watchStore(store: EventStore): void;
  /** Per-partition read-model checkpoint and lag, read at each scrape. */
  watchProjection(source: EventSource, readModel: ReadModel): void;
  /** A condition of readiness: every one must hold (and at least one be given). */
  readyWhen(check: () => Promise<boolean>): void;
  ready(): Promise<boolean>;
  expose(): Promise<Exposition>;
  /** Serves /healthz, /readyz and /metrics on a port of its own (roles without a gateway). */
  serve(port: number, host: string, logger: Logger): Promise<{ port: number; close(): Promise<void> }>;
}

export function createObservability(): Observability {
  const registry: Registry = createMetricsRegistry();
  const checks: Array<() => Promise<boolean>> = [];
  const once = <T>(make: () => T): (() => T) => {
    let made: T | undefined;
    return () => (made ??= make());
  };
  const self: Observability = {
    leases: createLeaseMetrics(registry),
    write: once(() => createPrometheusWriteMetrics(registry)),
    projector: once(() => createPrometheusProjectorMetrics(registry)),
    gateway: once(async () => (await import('@ledger/gateway')).createPrometheusGatewayMetrics(registry)),
    watchStore: (store) =>
      registerStoreGauges(
        registry,
        sharedRead(() => readStoreProgress(store)),
      ),
    watchProjection: (source, readModel) =>
      registerProjectionGauges(
        registry,
        sharedRead(() => readPartitionProgress({ source, readModel })),
      ),
    readyWhen: (check) => void checks.push(check),
    async ready() {
      if (checks.length === 0) return false;
      const results = await Promise.all(checks.map((check) => check().catch(() => false)));
      return results.every(Boolean);
    },
    expose: () => expose(registry),
    async serve(port, host, logger) {
      const server = createHealthServer({ ready: self.ready, metrics: self.expose, logger });
      const bound = await server.listen(port, host);
      return { port: bound, close: () => server.close() };
    },
  };
  return self;
}
