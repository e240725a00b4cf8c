import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { GatewayMetrics, LiveCounts } from '../../ports/metrics.js';

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
// Operation names come from clients: past this many distinct ones, the rest share one label.
const MAX_OPERATION_NAMES = 100;
const MAX_NAME_LENGTH = 64;
const REBUILD_PHASES = ['idle', 'replaying', 'catching-up', 'swapping', 'done', 'failed'] as const;

/** The gateway's metrics on a Prometheus registry. */
export function createPrometheusGatewayMetrics(registry: Registry): GatewayMetrics {
  const registers = [registry];
  const duration = new Histogram({
    name: 'ledger_graphql_operation_duration_seconds',
    help: 'GraphQL operations over HTTP, by operation name and outcome (OK or the first error code)',
    labelNames: ['operation', 'outcome'],
    buckets: SECONDS,
    registers,
  });
  const inFlight = new Gauge({
    name: 'ledger_graphql_operations_in_flight',
    help: 'GraphQL operations over HTTP being answered now',
    registers,
  });
  const waits = new Histogram({
    name: 'ledger_read_your_writes_wait_seconds',
    help: 'How long read-your-writes mutations waited, by outcome (settled, or timeout: answered PENDING)',
    labelNames: ['outcome'],
    buckets: SECONDS,
    registers,
  });
  const timeouts = new Counter({
    name: 'ledger_read_your_writes_timeouts_total',
    help: 'Read-your-writes waits that timed out (the mutation answered PENDING)',
    registers,
  });
  const rebuildEvents = new Gauge({
    name: 'ledger_rebuild_events_applied',
    help: 'Events the running (or last) read-model rebuild has applied',
    registers,
  });
  const rebuildTotal = new Gauge({
    name: 'ledger_rebuild_events_total',
    help: 'Events in the store the running (or last) rebuild works towards',
    registers,
  });
  const rebuildPhase = new Gauge({
    name: 'ledger_rebuild_phase',
    help: '1 for the phase the last read-model rebuild is in, 0 for the others',
    labelNames: ['phase'],
    registers,
  });
  for (const phase of REBUILD_PHASES) rebuildPhase.set({ phase }, phase === 'idle' ? 1 : 0);
  const live: Array<() => LiveCounts> = [];
  const count = (pick: (counts: LiveCounts) => number) =>
    function (this: Gauge) {
      this.set(live.reduce((sum, read) => sum + pick(read()), 0));
    };
  new Gauge({
    name: 'ledger_graphql_websockets',
    help: 'Open graphql-ws sockets',
    registers,
    collect: count((c) => c.sockets),
  });
  new Gauge({
    name: 'ledger_graphql_subscriptions',
    help: 'Active GraphQL subscriptions',
    registers,
    collect: count((c) => c.subscriptions),
  });

  const children = new Map<string, Map<string, Histogram.Internal<string>>>();
  const child = (operation: string, outcome: string): Histogram.Internal<string> => {
    let byOutcome = children.get(operation);
    if (!byOutcome) {
      if (children.size >= MAX_OPERATION_NAMES) return child('other', outcome);
      children.set(operation, (byOutcome = new Map()));
    }
    let found = byOutcome.get(outcome);
    if (!found) byOutcome.set(outcome, (found = duration.labels(operation.slice(0, MAX_NAME_LENGTH), outcome)));
    return found;
  };
  const settled = waits.labels('settled');
  const timedOut = waits.labels('timeout');

  return {
    operationStarted: () => inFlight.inc(),
    operationFinished(operation, outcome, seconds) {
      inFlight.dec();
      child(operation, outcome).observe(seconds);
    },
    readYourWritesWaited(outcome, seconds) {
      if (outcome === 'settled') settled.observe(seconds);
      else {
        timedOut.observe(seconds);
        timeouts.inc();
      }
    },
    rebuildChanged(status) {
      for (const phase of REBUILD_PHASES) rebuildPhase.set({ phase }, phase === status.phase ? 1 : 0);
      if (status.phase !== 'idle') {
        rebuildEvents.set(status.eventsApplied);
        rebuildTotal.set(status.eventsTotal);
      }
    },
    countLive: (read) => void live.push(read),
  };
}
