import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInProcessEventBus, createInProcessLeaseStore, createInProcessNotificationBus } from '@ledger/platform';
import type { EventBus, LedgerConfig, LeaseStore, Logger, NotificationBus } from '@ledger/platform';
import type { NatsClient } from '@ledger/platform/nats';
import { createSqliteEventStore } from '@ledger/write-service';
import type { EventStore, WriteMetrics } from '@ledger/write-service';
import { createSqliteReadModel } from '@ledger/projector';
import type { ReadModel, RebuildLane } from '@ledger/projector';
import type { RateLimit } from '@ledger/gateway';
import { threadRebuildLane } from './rebuild-lane.js';

/**
 * Threads a rebuild's replay runs on (see `rebuildLanes`). Against the replay on the event loop, on a
 * 100,000-event store: about as fast (0.98 to 1.20 times in five pairs) for a quarter to a third more
 * CPU, and the longest a live query waited during a rebuild 29 to 46 ms instead of 50 to 67
 * (MEASUREMENTS.md).
 */
const REBUILD_LANES = 2;
/**
 * The fewest events a rebuild's replay must hold to run on the threads: each takes about 150 ms to
 * start, and on the event loop 10,000 events take about 100 ms with their one commit (about 50 ms of it).
 */
const REBUILD_LANES_FROM = 10_000;

/**
 * Picks each port's adapter from the configuration: a URL switches that port to its real engine,
 * otherwise the embedded one (SQLite files under LEDGER_DATA_DIR, in-process bus and leases). The
 * MongoDB, Elasticsearch, NATS and Redis adapters are their packages' own entries, imported only when
 * configured, so an embedded process never loads their clients. The gateway package (the rate limit)
 * is imported only by a process that asks for a rate limit, one that runs a gateway.
 */
export interface Engines {
  eventStore(): Promise<EventStore>;
  readModel(): Promise<ReadModel>;
  eventBus(): Promise<EventBus>;
  notifications(): Promise<NotificationBus>;
  leases(): Promise<LeaseStore>;
  /** The gateway's per-subject request budget: in this process, or shared by every gateway through Redis. */
  rateLimit(): Promise<RateLimit>;
  /**
   * The lanes that replay a rebuild off the event loop (rebuild-lane.ts) and the size from which they
   * take it (RebuildOptions), where the store and the read model are both SQLite files, for a rebuild
   * that reads the store in this process; no lanes on MongoDB or Elasticsearch.
   */
  rebuildLanes(pageSize: number): { lanes: RebuildLane[]; lanesFrom: number };
  /** Closes what was opened, in reverse order. */
  close(): Promise<void>;
}

export interface EngineOptions {
  /** Hears the event store's commits. */
  readonly storeMetrics?: () => Pick<WriteMetrics, 'appendsCommitted' | 'storeTransactionRetried'>;
}

export function createEngines(config: LedgerConfig, logger: Logger, options: EngineOptions = {}): Engines {
  const closers: Array<() => Promise<void>> = [];
  const once = <T>(make: () => T, close: (value: Awaited<T>) => Promise<void>): (() => T) => {
    let value: T | undefined;
    return () => {
      if (value === undefined) {
        value = make();
        closers.push(async () => close(await value!));
      }
      return value;
    };
  };
  // One NATS connection per process, shared by the event bus and the notifications.
  // A bus asks for it before its own first await, so the connection is closed after the buses.
  const nats = once(
    async (): Promise<NatsClient> => {
      const { connectNats } = await import('@ledger/platform/nats');
      return connectNats({ servers: config.NATS_URL!, name: 'ledger', logger });
    },
    (client) => client.close(),
  );
  const dataDir = (): string => {
    mkdirSync(config.LEDGER_DATA_DIR, { recursive: true });
    return config.LEDGER_DATA_DIR;
  };

  return {
    eventStore: once(
      async () => {
        if (config.MONGO_URL) {
          const { createMongoEventStore } = await import('@ledger/write-service/mongo');
          // The database named in MONGO_URL, else one named after the namespace.
          return createMongoEventStore({
            url: config.MONGO_URL,
            database: config.LEDGER_NAMESPACE,
            partitions: config.LEDGER_PARTITIONS,
            logger,
            metrics: options.storeMetrics?.(),
          });
        }
        return createSqliteEventStore({
          path: join(dataDir(), 'events.db'),
          partitions: config.LEDGER_PARTITIONS,
          logger,
          metrics: options.storeMetrics?.(),
        });
      },
      (store) => store.close(),
    ),
    readModel: once(
      async () => {
        if (config.ELASTIC_URL) {
          const { createElasticReadModel } = await import('@ledger/projector/elastic');
          return createElasticReadModel({
            url: config.ELASTIC_URL,
            indexPrefix: config.LEDGER_NAMESPACE,
            partitions: config.LEDGER_PARTITIONS,
            logger,
          });
        }
        return createSqliteReadModel({
          path: join(dataDir(), 'read-model.db'),
          partitions: config.LEDGER_PARTITIONS,
          commitThread: true,
        });
      },
      (model) => model.close(),
    ),
    eventBus: once(
      async (): Promise<EventBus> => {
        if (!config.NATS_URL) return createInProcessEventBus();
        const client = nats();
        const { createNatsEventBus } = await import('@ledger/platform/nats');
        return createNatsEventBus({
          client: await client,
          partitions: config.LEDGER_PARTITIONS,
          stream: `${config.LEDGER_NAMESPACE.toUpperCase().replace(/-/g, '_')}_EVENTS`,
          subjectPrefix: config.LEDGER_NAMESPACE,
          logger,
        });
      },
      (bus) => bus.close(),
    ),
    notifications: once(
      async (): Promise<NotificationBus> => {
        if (!config.NATS_URL) return createInProcessNotificationBus();
        const client = nats();
        const { createNatsNotificationBus } = await import('@ledger/platform/nats');
        return createNatsNotificationBus({ client: await client, subjectPrefix: config.LEDGER_NAMESPACE, logger });
      },
      (bus) => bus.close(),
    ),
    leases: once(
      async (): Promise<LeaseStore> => {
        if (!config.REDIS_URL) return createInProcessLeaseStore();
        const { createRedisLeaseStore } = await import('@ledger/platform/redis');
        return createRedisLeaseStore({ url: config.REDIS_URL, keyPrefix: config.LEDGER_NAMESPACE, logger });
      },
      (leases) => leases.close(),
    ),
    rateLimit: once(
      async (): Promise<RateLimit> => {
        if (!config.REDIS_URL) {
          const { createMemoryRateLimit } = await import('@ledger/gateway');
          return createMemoryRateLimit({ perSecond: config.LEDGER_RATE_LIMIT });
        }
        const { createRedisRateLimit } = await import('@ledger/gateway/redis');
        return createRedisRateLimit({
          url: config.REDIS_URL,
          perSecond: config.LEDGER_RATE_LIMIT,
          keyPrefix: config.LEDGER_NAMESPACE,
          logger,
        });
      },
      (limit) => limit.close(),
    ),
    rebuildLanes: (pageSize) => ({
      lanes:
        config.MONGO_URL || config.ELASTIC_URL
          ? []
          : Array.from({ length: REBUILD_LANES }, () =>
              threadRebuildLane({
                storePath: join(dataDir(), 'events.db'),
                readModelPath: join(dataDir(), 'read-model.db'),
                partitions: config.LEDGER_PARTITIONS,
                pageSize,
              }),
            ),
      lanesFrom: REBUILD_LANES_FROM,
    }),
    async close() {
      for (const close of closers.splice(0).reverse()) {
        await close().catch((error: unknown) => logger.warn({ err: error }, 'closing an engine failed'));
      }
    },
  };
}
