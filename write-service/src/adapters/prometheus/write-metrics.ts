import { Counter, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import { registerPartitionGauges } from '@ledger/platform';
import type { WriteMetrics } from '../../ports/metrics.js';
import type { StorePartitionProgress } from '../../application/store-progress.js';

const SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const BATCH = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

/** Children of a labelled metric, made once per label pair (labels() hashes its values on each call). */
function children<T>(make: (a: string, b: string) => T): (a: string, b: string) => T {
  const byA = new Map<string, Map<string, T>>();
  return (a, b) => {
    let byB = byA.get(a);
    if (!byB) byA.set(a, (byB = new Map()));
    let child = byB.get(b);
    if (!child) byB.set(b, (child = make(a, b)));
    return child;
  };
}

/** The write service's metrics on a Prometheus registry. */
export function createPrometheusWriteMetrics(registry: Registry): WriteMetrics {
  const registers = [registry];
  const commands = new Histogram({
    name: 'ledger_command_duration_seconds',
    help: 'Commands answered by the write service, by command and outcome (OK or error code)',
    labelNames: ['command', 'outcome'],
    buckets: SECONDS,
    registers,
  });
  const command = children((name, outcome) => commands.labels(name, outcome));
  const retries = new Counter({
    name: 'ledger_command_concurrency_retries_total',
    help: 'Commands decided again after an optimistic-concurrency conflict, by aggregate type',
    labelNames: ['aggregate'],
    registers,
  });
  const replays = new Counter({
    name: 'ledger_command_idempotent_replays_total',
    help: 'Commands answered from an earlier one with the same idempotency key, by aggregate type',
    labelNames: ['aggregate'],
    registers,
  });
  const batchSize = new Histogram({
    name: 'ledger_append_batch_size',
    help: 'Appends committed together in one store transaction (group commit)',
    buckets: BATCH,
    registers,
  });
  const commit = new Histogram({
    name: 'ledger_append_commit_duration_seconds',
    help: 'Duration of one store commit of a batch of appends',
    buckets: SECONDS,
    registers,
  });
  const storeRetries = new Counter({
    name: 'ledger_store_transaction_retries_total',
    help: 'Store transactions run again after a transient error (MongoDB: write conflicts between write-services)',
    registers,
  });
  const forwarded = new Histogram({
    name: 'ledger_forwarder_batch_duration_seconds',
    help: 'Duration of a forwarder batch (publish and checkpoint), by partition',
    labelNames: ['partition'],
    buckets: SECONDS,
    registers,
  });
  const forwardedEvents = new Counter({
    name: 'ledger_forwarder_events_total',
    help: 'Events published on the bus by the forwarder, by partition',
    labelNames: ['partition'],
    registers,
  });
  const partitionChildren = new Map<number, { duration: Histogram.Internal<string>; events: Counter.Internal }>();
  const partition = (p: number) => {
    let child = partitionChildren.get(p);
    if (!child) {
      const label = String(p);
      child = { duration: forwarded.labels(label), events: forwardedEvents.labels(label) };
      partitionChildren.set(p, child);
    }
    return child;
  };
  return {
    commandHandled: (name, outcome, seconds) => command(name, outcome).observe(seconds),
    concurrencyRetried: (aggregate) => retries.labels(aggregate).inc(),
    idempotentReplayed: (aggregate) => replays.labels(aggregate).inc(),
    appendsCommitted(appends, seconds) {
      batchSize.observe(appends);
      commit.observe(seconds);
    },
    storeTransactionRetried: () => storeRetries.inc(),
    eventsForwarded(p, events, seconds) {
      const child = partition(p);
      child.duration.observe(seconds);
      child.events.inc(events);
    },
  };
}

/**
 * Per-partition positions of the store, read at each scrape: the head, and where the forwarder
 * and the saga stand. Every replica reports the same store, so take the max over instances.
 */
export function registerStoreGauges(registry: Registry, read: () => Promise<readonly StorePartitionProgress[]>): void {
  registerPartitionGauges(registry, read, [
    ['ledger_store_head', 'Last sequence committed in the event store, by partition', (p) => p.head],
    ['ledger_forwarder_position', 'Last sequence the forwarder published on the bus, by partition', (p) => p.forwarder],
    ['ledger_saga_position', 'Last sequence the transfer saga went past, by partition', (p) => p.saga],
  ]);
}
