import type { IncomingMessage, Server } from 'node:http';
import { GraphQLError, parse, specifiedRules, validate } from 'graphql';
import type { DocumentNode, GraphQLSchema, ValidationRule } from 'graphql';
import { WebSocket, WebSocketServer } from 'ws';
import type { Context } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { Extra } from 'graphql-ws/use/ws';
import type { Logger } from '@ledger/platform';
import type { LiveCounts } from '../../ports/metrics.js';
import { isCrossSite } from '../http/same-site.js';
import type { RateLimit } from '../../ports/rate-limit.js';
import { complexityOf, MAX_COMPLEXITY, tooComplex } from './complexity.js';
import type { GatewayContext } from './context.js';
import type { ErrorFormatter } from './errors.js';
import { introspectionOffRule, limitedParseOptions, operationLimitRules } from './limits.js';
import { createSharedSubscribe } from './shared-subscribe.js';
import { persistedHashOf, resolveDocument } from './trusted-documents.js';
import type { TrustedDocumentsOptions } from './trusted-documents.js';

export interface SocketLimits {
  /** Open sockets one subject may hold on this gateway. */
  readonly socketsPerSubject: number;
  /** Operations (mostly subscriptions) running at once on one socket. */
  readonly subscriptionsPerSocket: number;
  /** Largest websocket message; a larger one closes the socket (1009). */
  readonly maxPayloadBytes: number;
}

export const DEFAULT_SOCKET_LIMITS: SocketLimits = {
  socketsPerSubject: 64,
  subscriptionsPerSocket: 100,
  maxPayloadBytes: 64 * 1024,
};

/** The close code of a socket refused for being one too many (graphql-ws clients do not retry it). */
export const TOO_MANY_CLOSE_CODE = 4429;

export type SocketContext = Context<Record<string, unknown> | undefined, Extra>;

export interface GraphqlWebSocketOptions {
  readonly httpServer: Server;
  readonly schema: GraphQLSchema;
  /** The context of one operation on a socket. */
  readonly context: (socket: SocketContext) => GatewayContext;
  /** Runs first at connection_init; false refuses the socket (the hook closes it with its own code). */
  readonly authenticate?: (socket: SocketContext) => Promise<boolean>;
  readonly onClose?: (socket: SocketContext) => void;
  readonly formatError: ErrorFormatter;
  readonly introspection: boolean;
  readonly trustedDocuments: TrustedDocumentsOptions;
  readonly rateLimit?: RateLimit;
  readonly subjectOf: (request: IncomingMessage) => string;
  readonly limits: SocketLimits;
  readonly logger: Logger;
  /** Whether the request names a host this gateway answers (see namesThisMachine). */
  readonly hostAllowed: (request: IncomingMessage) => boolean;
}

/** Documents kept parsed and validated, by their text (the least recently used go first). */
const MAX_DOCUMENTS = 1_000;

/** What a subscription's resolvers may look at besides its event and arguments: who asks. */
const callerOf = (contextValue: unknown): string => {
  const { principal } = contextValue as GatewayContext;
  return `${principal.subject ?? ''}\n${principal.roles.join(',')}`;
};

const refusal = (message: string, code: string): GraphQLError[] => [
  new GraphQLError(message, { extensions: { code } }),
];

/**
 * graphql-ws on /graphql, with the same checks as HTTP: rate limit, trusted documents, document limits,
 * introspection, page cost; plus sockets per subject and operations per socket.
 */
export interface GraphqlWebSockets {
  /** Open sockets and the operations running on them, counted when asked (for metrics). */
  live(): LiveCounts;
  dispose(): Promise<void>;
}

export function serveGraphqlOverWebSockets(options: GraphqlWebSocketOptions): GraphqlWebSockets {
  const { schema, context, formatError, rateLimit, subjectOf, limits } = options;
  const wsServer = new WebSocketServer({
    server: options.httpServer,
    path: '/graphql',
    maxPayload: limits.maxPayloadBytes,
    // A page of another site must not act as the browser's user (on loopback, without auth, anyone).
    verifyClient: ({ req }, accept) =>
      isCrossSite(req)
        ? accept(false, 403, 'a websocket from a page of another site is refused')
        : options.hostAllowed(req)
          ? accept(true)
          : accept(false, 403, 'this gateway answers requests to localhost only'),
  });
  const rules: ValidationRule[] = [
    ...specifiedRules,
    ...operationLimitRules(),
    ...(options.introspection ? [] : [introspectionOffRule]),
  ];
  const socketsOf = new Map<string, number>();
  const accepted = new Set<SocketContext>();
  const formatAll = (errors: readonly GraphQLError[]) => errors.map((error) => formatError(error.toJSON(), error));
  // One document object per text: subscriptions with the same text share it, and so the execution of
  // each event (createSharedSubscribe). Parse errors throw; validation errors are answered.
  const documents = new Map<string, DocumentNode>();
  const documentOf = (text: string): DocumentNode | readonly GraphQLError[] => {
    const known = documents.get(text);
    if (known) {
      documents.delete(text);
      documents.set(text, known);
      return known;
    }
    const document = parse(text, limitedParseOptions);
    const invalid = validate(schema, document, rules);
    if (invalid.length > 0) return invalid;
    documents.set(text, document);
    if (documents.size > MAX_DOCUMENTS) documents.delete(documents.keys().next().value!);
    return document;
  };

  const server = useServer<Record<string, unknown> | undefined>(
    {
      schema,
      subscribe: createSharedSubscribe(callerOf),
      onConnect: async (ctx) => {
        if (options.authenticate && !(await options.authenticate(ctx))) return false;
        const { socket, request } = ctx.extra;
        const subject = subjectOf(request);
        const decision = rateLimit ? await rateLimit.take(subject) : { allowed: true };
        if (socket.readyState !== WebSocket.OPEN) return false;
        const open = socketsOf.get(subject) ?? 0;
        // Closed here with a code of its own; graphql-ws's close that follows `false` is then ignored.
        if (!decision.allowed) socket.close(TOO_MANY_CLOSE_CODE, 'rate limit reached');
        else if (open >= limits.socketsPerSubject) {
          socket.close(TOO_MANY_CLOSE_CODE, `too many sockets: at most ${limits.socketsPerSubject} per subject`);
        }
        if (socket.readyState !== WebSocket.OPEN) return false;
        socketsOf.set(subject, open + 1);
        accepted.add(ctx);
        socket.once('close', () => {
          accepted.delete(ctx);
          const left = (socketsOf.get(subject) ?? 1) - 1;
          if (left > 0) socketsOf.set(subject, left);
          else socketsOf.delete(subject);
        });
        return true;
      },
      onSubscribe: async (ctx, _id, payload) => {
        // graphql-ws lists this operation among the socket's own before calling this hook.
        if (Object.keys(ctx.subscriptions).length > limits.subscriptionsPerSocket) {
          return refusal(
            `too many operations on this socket: at most ${limits.subscriptionsPerSocket} at once`,
            'TOO_MANY_SUBSCRIPTIONS',
          );
        }
        if (rateLimit) {
          const decision = await rateLimit.take(subjectOf(ctx.extra.request));
          if (!decision.allowed) {
            return refusal(
              `rate limit reached: try again in ${Math.ceil(decision.retryAfterMs / 1000)} s`,
              'RATE_LIMITED',
            );
          }
        }
        const resolution = resolveDocument(options.trustedDocuments, {
          query: payload.query,
          hash: persistedHashOf(payload.extensions),
        });
        if (!resolution.ok) return refusal(resolution.message, resolution.code);
        let document: DocumentNode | readonly GraphQLError[];
        try {
          document = documentOf(String(resolution.query));
        } catch (error) {
          return refusal((error as Error).message, 'GRAPHQL_PARSE_FAILED');
        }
        if (!('kind' in document)) return [...document];
        const variableValues = payload.variables ?? undefined;
        const operationName = payload.operationName ?? undefined;
        const complexity = complexityOf(schema, document, variableValues, operationName);
        if (complexity > MAX_COMPLEXITY) return [tooComplex(complexity)];
        return { schema, document, variableValues, operationName, contextValue: context(ctx) };
      },
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: formatAll(result.errors) } : undefined,
      onError: (_ctx, _id, _payload, errors) => formatAll(errors),
      onClose: options.onClose,
    },
    wsServer,
  );
  // The HTTP server's own errors (a port in use) reach the websocket server too, where graphql-ws would
  // print them with its stack before the caller of listen() reports them plainly.
  wsServer.removeAllListeners('error');
  wsServer.on('error', (error) => options.logger.debug({ err: error.message }, 'websocket server error'));
  // A client's own fault (a message over the limit, text that is not UTF-8) makes ws close the socket
  // with its code (1009, 1007) and emit an error, which graphql-ws would print with its stack to stderr:
  // any client could fill the logs. It is the client's, so it is logged as one line at debug.
  wsServer.on('connection', (socket) => {
    socket.removeAllListeners('error');
    socket.on('error', (error) => options.logger.debug({ err: error.message }, 'websocket closed on a client error'));
  });
  return {
    live() {
      let subscriptions = 0;
      for (const ctx of accepted) subscriptions += Object.keys(ctx.subscriptions).length;
      return { sockets: accepted.size, subscriptions };
    },
    dispose: async () => server.dispose(),
  };
}
