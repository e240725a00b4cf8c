import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { complexityLimit } from './api/graphql/complexity.js';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { isLoopback } from '@ledger/platform';
import type { Exposition, LeaseStore, Logger, NotificationBus } from '@ledger/platform';
import type { LedgerQueries } from '@ledger/schema';
import type { Commands } from './ports/commands.js';
import type { RateLimit } from './ports/rate-limit.js';
import type { ReadProgress, RunRebuild } from './ports/system.js';
import { createBalanceFeed } from './application/balance-feed.js';
import { noGatewayMetrics } from './ports/metrics.js';
import type { GatewayMetrics } from './ports/metrics.js';
import { operationMetrics } from './api/graphql/metrics.plugin.js';
import { createNotificationHub } from './application/notification-hub.js';
import { createReadYourWrites } from './application/read-your-writes.js';
import { createRebuildTracker } from './application/rebuild-tracker.js';
import { createSystemStatus } from './application/system-status.js';
import { createTeller } from './application/teller.js';
import { contextOf } from './api/graphql/context.js';
import type { GatewayContext, GatewayServices } from './api/graphql/context.js';
import { authenticateRequests } from './auth/http.js';
import { identityOf } from './auth/principal.js';
import { openAccess } from './auth/tokens.js';
import type { Authenticator } from './auth/tokens.js';
import { socketAuthentication } from './auth/websocket.js';
import { createErrorFormatter } from './api/graphql/errors.js';
import { buildLedgerSchema } from './api/graphql/schema.js';
import { createApp } from './api/http/app.js';
import {
  introspectionOffRule,
  limitedParseOptions,
  noSubscriptionOverHttpRule,
  operationLimitRules,
} from './api/graphql/limits.js';
import type { TrustedDocumentsOptions } from './api/graphql/trusted-documents.js';
import { DEFAULT_SOCKET_LIMITS, serveGraphqlOverWebSockets } from './api/graphql/websocket.js';
import type { SocketLimits } from './api/graphql/websocket.js';
import { operationSpanName } from './api/graphql/operation-span.plugin.js';
import { graphqlHttpHandler, isGraphqlRequest } from './api/http/graphql-http.js';
import { subjectOf } from './api/subject.js';
import { namesThisMachine } from './api/http/same-site.js';

/** A request that does not name this machine, to a gateway open on loopback (see namesThisMachine). */
function refuseHost(response: ServerResponse): void {
  response.writeHead(403, { 'content-type': 'application/json' });
  response.end(
    JSON.stringify({
      error: { code: 'FORBIDDEN', message: 'this gateway answers requests to localhost only (Host names another)' },
    }),
  );
}

export interface GatewayOptions {
  readonly commands: Commands;
  readonly readModel: LedgerQueries;
  readonly notifications: NotificationBus;
  /** Every partition's progress from the store to the read model, for the operator view. */
  readonly progress: ReadProgress;
  /** Where the partition workers hold their leases, for the operator view (owners unknown without). */
  readonly leases?: LeaseStore;
  /** Runs a read-model rebuild (GET /rebuild/balance); absent, this gateway cannot rebuild. */
  readonly rebuild?: RunRebuild;
  readonly logger: Logger;
  /** Partition count of the deployment (to know which checkpoints a write waits for). */
  readonly partitions: number;
  /** Longest a READ_YOUR_WRITES mutation waits before answering PENDING. */
  readonly rywTimeoutMs?: number;
  /** Hears operations, read-your-writes waits, rebuilds; reads the websocket counts (default: nothing). */
  readonly metrics?: GatewayMetrics;
  /** The process's metrics in the Prometheus text format, served on GET /metrics (absent: no route). */
  readonly exposeMetrics?: () => Promise<Exposition>;
  /** Readiness for GET /readyz (default: ready while listening). */
  readonly ready?: () => Promise<boolean>;
  /** Re-check period of live subscriptions and waiting mutations, for lost notifications. */
  readonly pollMs?: number;
  /** Each subject's budget of requests (GraphQL, REST, websocket operations); none: unlimited. */
  readonly rateLimit?: RateLimit;
  /** Which documents run (default: any, `off`). */
  readonly trustedDocuments?: TrustedDocumentsOptions;
  /** Schema introspection over HTTP and websockets (default true). */
  readonly introspection?: boolean;
  /** The Altair playground at /playground (default true). */
  readonly playground?: boolean;
  readonly socketLimits?: Partial<SocketLimits>;
  /** Who may call: JWTs (createJwtAuthenticator) or, by default, anyone (openAccess). */
  readonly authenticator?: Authenticator;
}

export interface Gateway {
  /** Serves HTTP and websockets on /graphql; port 0 picks a free port. */
  listen(port: number, host?: string): Promise<{ port: number }>;
  /** Drains: stops accepting, lets in-flight requests finish, closes websockets. */
  close(): Promise<void>;
}

type Phase =
  | { readonly kind: 'created' }
  | { readonly kind: 'starting'; readonly started: Promise<unknown> }
  | { readonly kind: 'listening'; readonly stop: () => Promise<void> }
  | { readonly kind: 'closing'; readonly done: Promise<void> }
  | { readonly kind: 'closed' };

/** The GraphQL gateway: queries from the read model, commands to the write service, live updates. */
export function createGateway(options: GatewayOptions): Gateway {
  const { commands, readModel, logger } = options;
  const rywTimeoutMs = options.rywTimeoutMs ?? 5_000;
  const metrics = options.metrics ?? noGatewayMetrics;
  const hub = createNotificationHub({ bus: options.notifications, logger });
  const readYourWrites = createReadYourWrites({
    readModel,
    hub,
    logger,
    partitions: options.partitions,
    timeoutMs: rywTimeoutMs,
    pollMs: options.pollMs,
    metrics,
  });
  const teller = createTeller({ commands, readModel, readYourWrites, logger });
  const rebuilds = options.rebuild && createRebuildTracker(options.rebuild, metrics.rebuildChanged);
  const system = createSystemStatus({
    progress: options.progress,
    leases: options.leases,
    rebuild: () => rebuilds?.status() ?? { phase: 'idle' },
  });
  const livePollMs = options.pollMs ?? 1_000;
  const balanceFeed = createBalanceFeed({ readModel, hub, partitions: options.partitions, logger, pollMs: livePollMs });
  const services: GatewayServices = { teller, readModel, hub, balanceFeed, system, livePollMs };
  const authenticator = options.authenticator ?? openAccess();
  const sockets = socketAuthentication(authenticator, logger);
  const formatError = createErrorFormatter(logger);
  const trustedDocuments = options.trustedDocuments ?? { mode: 'off', manifest: {} };
  const introspection = options.introspection ?? true;
  const rateLimit = options.rateLimit ? { limit: options.rateLimit, subjectOf } : undefined;
  let phase: Phase = { kind: 'created' };

  // Open on loopback, the gateway trusts whoever reaches it: only requests that name this machine do.
  let loopbackOnly = false;
  const hostAllowed = (request: IncomingMessage): boolean => !loopbackOnly || namesThisMachine(request);

  async function start(port: number, host: string | undefined): Promise<{ port: number }> {
    loopbackOnly = !authenticator.enabled && host !== undefined && isLoopback(host);
    const schema = await buildLedgerSchema();
    const httpServer = createServer();
    const websockets = serveGraphqlOverWebSockets({
      httpServer,
      schema,
      // One socket, one caller; each operation on it gets its own request id.
      context: (ctx) => contextOf(services, identityOf(ctx.extra.request).principal, randomUUID()),
      authenticate: sockets.onConnect,
      onClose: sockets.onClose,
      formatError,
      introspection,
      trustedDocuments,
      rateLimit: options.rateLimit,
      subjectOf,
      logger,
      hostAllowed,
      limits: { ...DEFAULT_SOCKET_LIMITS, ...options.socketLimits },
    });
    metrics.countLive(websockets.live);
    const apollo = new ApolloServer<GatewayContext>({
      schema,
      formatError,
      logger,
      includeStacktraceInErrorResponses: false,
      // Refused, when off, by introspectionOffRule, which names the setting.
      introspection: true,
      // Hostile documents are refused cheaply: the parser stops at a token count, rules cap aliases
      // and fields. One operation per request (no batches), and no persisted-query cache a client
      // could fill: known hashes are resolved from the trusted documents before Apollo sees them.
      parseOptions: limitedParseOptions,
      validationRules: [
        ...operationLimitRules(),
        noSubscriptionOverHttpRule,
        ...(introspection ? [] : [introspectionOffRule]),
      ],
      allowBatchedHttpRequests: false,
      persistedQueries: false,
      csrfPrevention: true,
      // The composition root owns signals and drains every part in order.
      stopOnTerminationSignals: false,
      plugins: [
        // In-flight mutations may wait up to the read-your-writes timeout before they answer.
        ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: rywTimeoutMs + 5_000 }),
        ApolloServerPluginLandingPageDisabled(),
        // Answers are never cached over HTTP (balances move), so no cache hints are computed per field.
        ApolloServerPluginCacheControlDisabled(),
        complexityLimit(schema),
        operationMetrics<GatewayContext>(metrics),
        operationSpanName(),
      ],
    });
    await apollo.start();
    const graphql = graphqlHttpHandler({
      apollo,
      services,
      authenticator,
      trustedDocuments,
      budget: rateLimit,
      logger,
    });
    const app = createApp({
      authenticate: authenticateRequests(authenticator),
      graphql,
      teller,
      readModel,
      rebuild: rebuilds?.run,
      playground: options.playground,
      rateLimit,
      ready: async () => phase.kind === 'listening' && (options.ready ? await options.ready() : true),
      metrics: options.exposeMetrics,
      logger,
    });
    // GraphQL goes straight to its handler; GET /graphql may ask for the playground page.
    httpServer.on('request', (request, response) => {
      if (!hostAllowed(request)) return refuseHost(response);
      if (isGraphqlRequest(request) && request.method !== 'GET') graphql(request, response);
      else app(request, response);
    });
    try {
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          httpServer.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      await websockets.dispose();
      await apollo.stop();
      throw error;
    }
    phase = {
      kind: 'listening',
      stop: async () => {
        await websockets.dispose();
        await apollo.stop();
      },
    };
    return { port: (httpServer.address() as AddressInfo).port };
  }

  async function close(): Promise<void> {
    switch (phase.kind) {
      case 'created':
        phase = { kind: 'closed' };
        balanceFeed.close();
        return hub.close();
      case 'starting':
        await phase.started.catch(() => undefined);
        return close();
      case 'listening': {
        const done = phase.stop().finally(() => {
          balanceFeed.close();
          return hub.close();
        });
        phase = { kind: 'closing', done };
        await done;
        phase = { kind: 'closed' };
        return;
      }
      case 'closing':
        return phase.done;
      case 'closed':
        return;
      default: {
        const never: never = phase;
        throw new Error(`unknown gateway phase ${JSON.stringify(never)}`);
      }
    }
  }

  return {
    async listen(port, host) {
      if (phase.kind !== 'created') throw new Error(`the gateway cannot listen: it is ${phase.kind}`);
      const started = start(port, host);
      phase = { kind: 'starting', started };
      try {
        return await started;
      } catch (error) {
        phase = { kind: 'created' };
        throw error;
      }
    },
    close,
  };
}
