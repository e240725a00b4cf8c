import type { RebuildStatusView } from '../application/rebuild-tracker.js';

/** Open graphql-ws sockets and the subscriptions running on them, counted when metrics are read. */
export interface LiveCounts {
  readonly sockets: number;
  readonly subscriptions: number;
}

/**
 * What the gateway measures, as calls its code makes; adapters/prometheus turns them into metrics.
 * Counters and timings only: nothing here may cost an operation much.
 */
export interface GatewayMetrics {
  /** A GraphQL operation over HTTP began. */
  operationStarted(): void;
  /** ...and answered: its operation name (or "anonymous") and outcome ("OK" or the first error code). */
  operationFinished(operation: string, outcome: string, seconds: number): void;
  /** A read-your-writes mutation's wait ended: settled and visible, or timed out (answered PENDING). */
  readYourWritesWaited(outcome: 'settled' | 'timeout', seconds: number): void;
  /** Where the last rebuild started here stands. */
  rebuildChanged(status: RebuildStatusView): void;
  /** Reads the websocket counts whenever the metrics are read. */
  countLive(read: () => LiveCounts): void;
}

/** Measures nothing: the default when no metrics are wanted. */
export const noGatewayMetrics: GatewayMetrics = {
  operationStarted: () => undefined,
  operationFinished: () => undefined,
  readYourWritesWaited: () => undefined,
  rebuildChanged: () => undefined,
  countLive: () => undefined,
};
