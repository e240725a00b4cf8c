import type { IncomingMessage } from 'node:http';
import express from 'express';
import type { ErrorRequestHandler, Express, RequestHandler } from 'express';
import type { Exposition, Logger } from '@ledger/platform';
import type { RateLimit } from '../../ports/rate-limit.js';
import { clientErrorOf, INTERNAL_ERROR } from '../error-codes.js';
import type { ClientError } from '../error-codes.js';
import { restRouter } from '../rest/routes.js';
import type { RestOptions } from '../rest/routes.js';
import { CONSOLE_PATH, consoleRouter } from './console.js';
import { PLAYGROUND_PATH, playgroundRouter, sendPlayground, wantsPlayground } from './playground.js';
import { RateLimitedError, rateLimitMiddleware } from './rate-limit.js';

export interface AppOptions extends RestOptions {
  /** Attaches the caller to each request (or refuses it) before any route reads it. */
  readonly authenticate: RequestHandler;
  /** /graphql: Apollo's Express middleware and what runs before it. */
  readonly graphql: readonly RequestHandler[];
  readonly ready: () => Promise<boolean>;
  /** The Prometheus exposition for GET /metrics (no route without it). */
  readonly metrics?: () => Promise<Exposition>;
  readonly logger: Logger;
  /** Largest JSON body accepted. */
  readonly bodyLimit?: string;
  /** Serve the Altair playground (default true). */
  readonly playground?: boolean;
  /** Every GraphQL and REST request spends one request of its subject's budget. */
  readonly rateLimit?: { readonly limit: RateLimit; readonly subjectOf: (request: IncomingMessage) => string };
}

/** Errors the JSON body parser raises carry an HTTP status and a type. */
const isBodyParserError = (error: unknown): error is { status: number; type: string; message: string } =>
  typeof error === 'object' &&
  error !== null &&
  'type' in error &&
  'status' in error &&
  typeof error.status === 'number';

function clientErrorOfRequest(error: unknown): ClientError | null {
  if (error instanceof RateLimitedError) return { code: error.code, status: 429, message: error.message };
  if (isBodyParserError(error) && error.status < 500) {
    const tooLarge = error.type === 'entity.too.large';
    return {
      code: tooLarge ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST',
      status: error.status,
      message: tooLarge ? 'the request body is too large' : 'the request body is not valid JSON',
    };
  }
  return clientErrorOf(error);
}

/** The gateway's HTTP surface: GraphQL, the offline playground and console, seed REST, health probes. */
export function createApp(options: AppOptions): Express {
  const { logger } = options;
  const app = express();
  app.disable('x-powered-by');
  // Answers are computed per request (no conditional GETs); hashing each body for an ETag is waste.
  app.disable('etag');

  app.get('/healthz', (_request, response) => {
    response.json({ status: 'ok' });
  });
  app.get('/readyz', async (_request, response) => {
    const ready = await options.ready().catch(() => false);
    response.status(ready ? 200 : 503).json({ ready });
  });
  const { metrics } = options;
  if (metrics) {
    app.get('/metrics', async (_request, response) => {
      const { contentType, body } = await metrics();
      response.type(contentType).send(body);
    });
  }

  if (options.playground ?? true) {
    app.use(PLAYGROUND_PATH, playgroundRouter());
    app.get('/graphql', (request, response, next) =>
      wantsPlayground(request) ? sendPlayground(request, response) : next(),
    );
  }
  app.use(CONSOLE_PATH, consoleRouter());

  // Everything below needs a caller; health probes, the playground and the console pages above do not.
  app.use(options.authenticate);
  // After authentication, so that a caller's budget is their subject's.
  if (options.rateLimit) app.use(rateLimitMiddleware(options.rateLimit.limit, options.rateLimit.subjectOf));
  app.use(express.json({ limit: options.bodyLimit ?? '64kb' }));
  app.use('/graphql', ...options.graphql);
  app.use(restRouter(options));

  app.use((request, response) => {
    response
      .status(404)
      .json({ error: { code: 'NOT_FOUND', message: `no route for ${request.method} ${request.path}` } });
  });

  const handleError: ErrorRequestHandler = (error: unknown, request, response, next) => {
    if (response.headersSent) return next(error);
    let client = clientErrorOfRequest(error);
    if (!client) {
      logger.error({ err: error, method: request.method, path: request.path }, 'unexpected error in a request');
      client = INTERNAL_ERROR;
    }
    const { code, message, status } = client;
    if (error instanceof RateLimitedError) response.set('Retry-After', String(Math.ceil(error.retryAfterMs / 1000)));
    // GraphQL clients read `errors`; REST clients read `error`.
    if (request.path === '/graphql') response.status(status).json({ errors: [{ message, extensions: { code } }] });
    else response.status(status).json({ error: { code, message } });
  };
  app.use(handleError);
  return app;
}
