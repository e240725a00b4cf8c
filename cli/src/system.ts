import { hostname } from 'node:os';
import { randomBytes, randomUUID } from 'node:crypto';
import { ConfigError, createLeaseBalancer, DEFAULT_GRPC_PORT, isLoopback, writeServiceAddress } from '@ledger/platform';
import type { LeaseBalancer, LedgerConfig, Logger } from '@ledger/platform';
import {
  createCommandService,
  createForwarderTask,
  shareAppendSignals,
  createGrpcServer,
  createSettlementSagaTask,
  createStateCaches,
  readStoreProgress,
  replayEvents,
  timedCommands,
} from '@ledger/write-service';
import type { EventStore } from '@ledger/write-service';
import {
  createGrpcEventSource,
  createInProcessEventSource,
  createProjectorTask,
  readPartitionProgress,
  rebuildBalance,
} from '@ledger/projector';
import type { EventSource, ReadModel } from '@ledger/projector';
import type { Authenticator, Commands } from '@ledger/gateway';
import type { LedgerCommands } from '@ledger/schema';
import { persistedDocuments } from '@ledger/client';
import { createEngines } from './engines.js';
import { createObservability } from './observability.js';

/** Aggregate states kept in memory per aggregate type (accounts, transactions), a few hundred bytes each. */
const STATE_CACHE_SIZE = 10_000;
/** Events per store read when the projector reads the store in this process (as the gRPC server's pages). */
const REPLAY_PAGE_SIZE = 500;

export type Role = 'gateway' | 'write-service' | 'projector';

/** The gateway's authenticator as configured: JWTs under LEDGER_AUTH=jwt, otherwise anyone. */
export async function authenticatorOf(config: LedgerConfig, logger: Logger): Promise<Authenticator> {
  // Loaded here, not at the top: only processes that run a gateway load the gateway package.
  const { createJwtAuthenticator, openAccess } = await import('@ledger/gateway');
  if (config.LEDGER_AUTH === 'none') return openAccess();
  return createJwtAuthenticator({
    secret: config.LEDGER_JWT_SECRET,
    jwksUrl: config.LEDGER_JWKS_URL,
    issuer: config.LEDGER_JWT_ISSUER,
    audience: config.LEDGER_JWT_AUDIENCE,
    rolesClaim: config.LEDGER_JWT_ROLES_CLAIM,
    logger,
  });
}

export interface SystemOptions {
  readonly config: LedgerConfig;
  readonly logger: Logger;
  readonly roles: ReadonlySet<Role>;
}

export interface RunningSystem {
  /** Port the gateway listens on (when it runs here). */
  readonly gatewayPort?: number;
  /** Port the write service's gRPC server listens on (when it runs here). */
  readonly grpcPort?: number;
  /** Health and metrics port of a process without a gateway. */
  readonly httpPort?: number;
  /** Drains and stops every part, in reverse start order. */
  stop(): Promise<void>;
}

/**
 * The composition root of the services: builds each role's parts from the configuration and
 * starts them. `all` is the three roles in one process: the gateway calls the command service
 * directly, and the projector (its catch-up and rebuilds) reads the store directly; between
 * processes both go over the write service's gRPC API.
 */
export async function startSystem(options: SystemOptions): Promise<RunningSystem> {
  const { config, logger, roles } = options;
  const observability = createObservability();
  const engines = createEngines(config, logger, { storeMetrics: observability.write });
  const memberId = config.LEDGER_MEMBER_ID ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const stops: Array<() => Promise<void>> = [];
  // Balancers start once every role is set up and the gateway (if here) listens.
  const balancers: LeaseBalancer[] = [];
  const balancer = async (
    name: string,
    task: Parameters<typeof createLeaseBalancer>[0]['task'],
  ): Promise<LeaseBalancer> => {
    const created = createLeaseBalancer({
      name,
      partitions: config.LEDGER_PARTITIONS,
      leases: await engines.leases(),
      memberId,
      ttlMs: config.LEASE_TTL_MS,
      logger,
      task,
      onNotification: observability.leases.notified(name),
    });
    observability.leases.track(name, memberId, created);
    balancers.push(created);
    stops.push(() => created.stop());
    return created;
  };

  const stop = async (): Promise<void> => {
    for (const step of stops.splice(0).reverse()) {
      await step().catch((error: unknown) => logger.warn({ err: error }, 'stopping a part failed'));
    }
    await engines.close();
  };

  try {
    let grpcPort: number | undefined;
    let httpPort: number | undefined;
    let projectorWorkers: LeaseBalancer | undefined;
    let address = writeServiceAddress(config);
    let localCommands: LedgerCommands | undefined;
    let localStore: EventStore | undefined;
    const all = roles.size > 1;
    const serviceSecret = serviceSecretOf(config, all);

    if (!roles.has('gateway')) {
      // Up first, so /readyz answers (false) while the role starts.
      const health = await observability.serve(
        config.HTTP_PORT ?? (roles.has('write-service') ? 8081 : 8082),
        config.HOST,
        logger,
      );
      httpPort = health.port;
      stops.push(() => health.close());
      logger.info({ port: httpPort }, `health and metrics at http://localhost:${httpPort} (/healthz /readyz /metrics)`);
    }

    if (roles.has('write-service')) {
      let store = await engines.eventStore();
      localStore = store;
      // The command service and the saga start from the state the other left.
      const caches = createStateCaches(STATE_CACHE_SIZE);
      if (config.NATS_URL && !config.MONGO_URL) {
        // Other write services may share the SQLite store: their appends wake this one's workers and
        // mark what its caches kept of the aggregates they changed, and its own do the same for them.
        // The MongoDB store hears other processes' appends on its change stream already.
        const notifications = await engines.notifications();
        const signals = await shareAppendSignals({ store, notifications, logger, caches });
        stops.push(() => signals.stop());
        store = signals.store;
      }
      const metrics = observability.write();
      const commands = timedCommands(
        createCommandService({
          store,
          caches,
          logger,
          snapshotEvery: config.LEDGER_SNAPSHOT_EVERY,
          metrics,
          requireActor: config.LEDGER_AUTH === 'jwt',
        }),
        metrics,
      );
      localCommands = commands;
      const server = createGrpcServer({ commands, store, logger, serviceSecret });
      const port = config.GRPC_PORT ?? DEFAULT_GRPC_PORT;
      grpcPort = await server.listen(`${all ? '127.0.0.1' : '0.0.0.0'}:${port}`);
      stops.push(() => server.close());
      if (all) address = `127.0.0.1:${grpcPort}`;
      // In `all` the gRPC port is internal (loopback): the gateway's line is the one to read.
      logger[all ? 'debug' : 'info']({ port: grpcPort }, 'write-service gRPC listening');
      if (!all && config.LEDGER_SERVICE_SECRET === undefined) {
        logger.warn(
          { port: grpcPort },
          'the write service takes commands over gRPC from anyone who reaches this port, on every interface: ' +
            'set LEDGER_SERVICE_SECRET in every process of the deployment, or keep the port off untrusted networks',
        );
      }

      const bus = await engines.eventBus();
      const sagas = await balancer(
        'saga',
        createSettlementSagaTask({ store, caches, logger, snapshotEvery: config.LEDGER_SNAPSHOT_EVERY, metrics }),
      );
      const forwarders = await balancer('forwarder', createForwarderTask({ store, bus, logger, metrics }));
      observability.watchStore(store);
      observability.readyWhen(async () => {
        if (!sagas.running() || !forwarders.running()) return false;
        const leases = (await engines.leases()).members('saga');
        await Promise.all([store.heads(), leases, bus.lastSequence(0)]);
        return true;
      });
    }

    let source: EventSource | undefined;
    const eventSource = (): EventSource => {
      if (!source && localStore) {
        const store = localStore;
        source = createInProcessEventSource({
          replay: (request) => replayEvents(store, request, REPLAY_PAGE_SIZE),
          heads: () => store.heads(),
          progress: (checkpoints) => readStoreProgress(store, checkpoints),
        });
      }
      if (!source) {
        source = createGrpcEventSource({ address, serviceSecret });
        const opened = source;
        stops.push(() => opened.close());
      }
      return source;
    };

    if (roles.has('projector')) {
      const readModel = await engines.readModel();
      const bus = await engines.eventBus();
      const projectors = await balancer(
        'projector',
        createProjectorTask({
          bus,
          readModel,
          source: eventSource(),
          notifications: await engines.notifications(),
          logger,
          metrics: observability.projector(),
        }),
      );
      observability.watchProjection(eventSource(), readModel);
      observability.readyWhen(async () => {
        if (!projectors.running()) return false;
        const leases = (await engines.leases()).members('projector');
        await Promise.all([readModel.checkpoints(), eventSource().heads(), leases, bus.lastSequence(0)]);
        return true;
      });
      projectorWorkers = projectors;
    }

    let gatewayPort: number | undefined;
    if (roles.has('gateway')) {
      // Loaded only where a gateway runs: GraphQL and HTTP weigh most of a process's start, and a
      // write-service or projector restarted after a crash should be back as soon as it can.
      const { createGateway, createGrpcCommands, createInProcessCommands } = await import('@ledger/gateway');
      const readModel: ReadModel = await engines.readModel();
      // A gateway beside the write service calls it directly; from another process, over gRPC.
      const commands: Commands = localCommands
        ? createInProcessCommands(localCommands)
        : createGrpcCommands({ address, serviceSecret });
      stops.push(() => commands.close());
      const gateway = createGateway({
        commands,
        readModel,
        notifications: await engines.notifications(),
        // A gateway alone sees the workers' leases only through Redis.
        leases: config.REDIS_URL || roles.size > 1 ? await engines.leases() : undefined,
        logger,
        partitions: config.LEDGER_PARTITIONS,
        rywTimeoutMs: config.LEDGER_RYW_TIMEOUT_MS,
        // Where the store is read in this process, a large replay runs on threads of its own.
        rebuild: (onProgress) =>
          rebuildBalance({
            readModel,
            source: eventSource(),
            onProgress,
            logger,
            ...(localStore ? engines.rebuildLanes(REPLAY_PAGE_SIZE) : {}),
          }),
        progress: () => readPartitionProgress({ source: eventSource(), readModel }),
        rateLimit: await engines.rateLimit(),
        trustedDocuments: { mode: config.LEDGER_TRUSTED_DOCUMENTS, manifest: persistedDocuments },
        introspection: config.LEDGER_INTROSPECTION === 'on',
        playground: config.LEDGER_PLAYGROUND === 'on',
        socketLimits: {
          socketsPerSubject: config.LEDGER_SOCKETS_PER_SUBJECT,
          subscriptionsPerSocket: config.LEDGER_SUBSCRIPTIONS_PER_SOCKET,
        },
        metrics: await observability.gateway(),
        exposeMetrics: observability.expose,
        ready: observability.ready,
        authenticator: await authenticatorOf(config, logger),
      });
      observability.readyWhen(async () => {
        await eventSource().heads();
        return true;
      });
      ({ port: gatewayPort } = await gateway.listen(config.PORT, config.HOST));
      stops.push(() => gateway.close());
      const host =
        config.HOST === '0.0.0.0' ? 'localhost' : config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
      const base = `http://${host}:${gatewayPort}`;
      const pages = [
        ...(config.LEDGER_PLAYGROUND === 'on' ? [`playground ${base}/playground`] : []),
        `console ${base}/console`,
        `metrics ${base}/metrics`,
      ];
      logger.info(
        { auth: config.LEDGER_AUTH, port: gatewayPort },
        `GraphQL gateway at ${base}/graphql · ${pages.join(' · ')}`,
      );
      if (config.LEDGER_AUTH === 'none') {
        // Bound to every interface, "localhost" would understate who can reach it.
        const reach = isLoopback(config.HOST) ? base : `port ${gatewayPort} on any of this machine's addresses`;
        logger.warn(
          `the API is open (LEDGER_AUTH=none): anyone who reaches ${reach} can read and move every account's money`,
        );
      }
    }

    for (const started of balancers) await started.start();
    if (projectorWorkers) {
      logger[all ? 'debug' : 'info']({ partitions: projectorWorkers.owned() }, 'projector workers started');
    }

    return { gatewayPort, grpcPort, httpPort, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The secret the write service's gRPC calls carry (LEDGER_SERVICE_SECRET). Under jwt the services of
 * separate processes must share one, or anyone reaching the port would bypass the tokens; in `all`
 * nothing else needs the port, so without one a random secret keeps every other caller out.
 */
function serviceSecretOf(config: LedgerConfig, all: boolean): string | undefined {
  if (config.LEDGER_SERVICE_SECRET !== undefined || config.LEDGER_AUTH !== 'jwt') return config.LEDGER_SERVICE_SECRET;
  if (all) return randomBytes(32).toString('base64url');
  throw new ConfigError([
    'LEDGER_SERVICE_SECRET=<hidden>: LEDGER_AUTH=jwt with the services in separate processes needs a secret they ' +
      'share (32 characters at least), or the write service would take commands from anyone reaching its gRPC port',
  ]);
}
