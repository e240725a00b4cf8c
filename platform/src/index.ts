// Errors, money, positions, turn batches and request threads (what worker threads load alone).
export * from './core.js';
export { loadConfig, ConfigError, DEFAULT_GRPC_PORT, isLoopback, writeServiceAddress } from './config.js';
export type { LedgerConfig } from './config.js';
export { createLogger, silentLogger } from './logger.js';
export type { Logger, LoggerOptions } from './logger.js';
export type { EventBus, NotificationBus, Subscription } from './bus/port.js';
export { createInProcessEventBus, createInProcessNotificationBus } from './bus/in-process.js';
export type { InProcessBusOptions } from './bus/in-process.js';
export type { Lease, LeaseHolder, LeaseStore } from './lease/port.js';
export { createInProcessLeaseStore } from './lease/in-process.js';
export { createLeaseBalancer } from './lease/balancer.js';
export { assignPartitions } from './lease/assignment.js';
export { sleep, startWait, untilAborted } from './wait.js';
export type { Wait } from './wait.js';
export { createSerialQueues } from './serial-queues.js';
export type { SerialQueues } from './serial-queues.js';
export type {
  LeaseBalancer,
  LeaseBalancerOptions,
  PartitionTask,
  PartitionTaskContext,
  BalancerNotification,
} from './lease/balancer.js';
export { createMetricsRegistry, expose, registerPartitionGauges, sharedRead } from './metrics/registry.js';
export type { Exposition, PartitionGauge, Registry } from './metrics/registry.js';
export { createLeaseMetrics } from './metrics/lease-metrics.js';
export type { LeaseMetrics } from './metrics/lease-metrics.js';
export { createHealthServer } from './metrics/health-server.js';
export type { HealthServer, HealthServerOptions } from './metrics/health-server.js';
export {
  contextOf,
  currentTraceCarrier,
  nameActiveSpan,
  recordSpan,
  startTracing,
  traced,
  tracingEnabled,
} from './tracing.js';
export type { SpanOptions, TraceCarrier, Tracing, TracingOptions } from './tracing.js';
