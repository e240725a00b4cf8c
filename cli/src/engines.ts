import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  connectNats,
  createInProcessEventBus,
  createInProcessLeaseStore,
  createInProcessNotificationBus,
  createNatsEventBus,
  createNatsNotificationBus,
  createRedisLeaseStore,
} from '@ledger/platform';
import type { EventBus, LedgerConfig, LeaseStore, Logger, NatsClient, NotificationBus } from '@ledger/platform';
import { createSqliteEventStore } from '@ledger/write-service';
import type { EventStore, WriteMetrics } from '@ledger/write-service';
import { createSqliteReadModel } from '@ledger/projector';
import type { ReadModel } from '@ledger/projector';
import { createMemoryRateLimit, createRedisRateLimit } from '@ledger/gateway';
import type { RateLimit } from '@ledger/gateway';

/**
 * Picks each port's adapter from the configuration: a URL switches that port to its real engine,
 * otherwise the embedded one (SQLite files under LEDGER_DATA_DIR, in-process bus and leases). The
 * MongoDB and Elasticsearch adapters are their packages' own entries, imported only when configured,
 * so an embedded process never loads their drivers.
 */
export interface Engines {
  eventStore(): Promise<EventStore>;
  readModel(): Promise<ReadModel>;
  eventBus(): EventBus;
  notifications(): NotificationBus;
  leases(): LeaseStore;
  /** The gateway's per-subject request budget: in this process, or shared by every gateway through Redis. */
  rateLimit(): Promise<RateLimit>;
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
  const nats = once(
    (): NatsClient => connectNats({ servers: config.NATS_URL!, name: 'ledger', logger }),
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
      () =>
        config.NATS_URL
          ? createNatsEventBus({
              client: nats(),
              partitions: config.LEDGER_PARTITIONS,
              stream: `${config.LEDGER_NAMESPACE.toUpperCase().replace(/-/g, '_')}_EVENTS`,
              subjectPrefix: config.LEDGER_NAMESPACE,
              logger,
            })
          : createInProcessEventBus(),
      (bus) => bus.close(),
    ),
    notifications: once(
      () =>
        config.NATS_URL
          ? createNatsNotificationBus({ client: nats(), subjectPrefix: config.LEDGER_NAMESPACE, logger })
          : createInProcessNotificationBus(),
      (bus) => bus.close(),
    ),
    leases: once(
      () =>
        config.REDIS_URL
          ? createRedisLeaseStore({ url: config.REDIS_URL, keyPrefix: config.LEDGER_NAMESPACE, logger })
          : createInProcessLeaseStore(),
      (leases) => leases.close(),
    ),
    rateLimit: once(
      async () =>
        config.REDIS_URL
          ? createRedisRateLimit({
              url: config.REDIS_URL,
              perSecond: config.LEDGER_RATE_LIMIT,
              keyPrefix: config.LEDGER_NAMESPACE,
              logger,
            })
          : createMemoryRateLimit({ perSecond: config.LEDGER_RATE_LIMIT }),
      (limit) => limit.close(),
    ),
    async close() {
      for (const close of closers.splice(0).reverse()) {
        await close().catch((error: unknown) => logger.warn({ err: error }, 'closing an engine failed'));
      }
    },
  };
}
