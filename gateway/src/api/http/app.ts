import type { IncomingMessage, ServerResponse } from 'node:http';
import express from 'express';
import type { ErrorRequestHandler, Express, RequestHandler } from 'express';
import type { Exposition, Logger } from '@ledger/platform';
import { INTERNAL_ERROR } from '../error-codes.js';
import { restRouter } from '../rest/routes.js';
import type { RestOptions } from '../rest/routes.js';
import { CONSOLE_PATH, consoleRouter } from './console.js';
import { PLAYGROUND_PATH, playgroundRouter, sendPlayground, wantsPlayground } from './playground.js';
import { rateLimitMiddleware } from './rate-limit.js';
import type { RequestBudget } from './rate-limit.js';
import { clientErrorOfRequest, setRefusalHeaders } from './request-errors.js';

export interface AppOptions extends RestOptions {
  /** Attaches the caller to each request (or refuses it) before any route reads it. */
  readonly authenticate: RequestHandler;
  /** GraphQL over HTTP (graphql-http.ts); here for GET /graphql, which may ask for the playground. */
  readonly graphql: (request: IncomingMessage, response: ServerResponse) => void;
  readonly ready: () => Promise<boolean>;
  /** The Prometheus exposition for GET /metrics (no route without it). */
  readonly metrics?: () => Promise<Exposition>;
  readonly logger: Logger;
  /** Largest JSON body accepted. */
  readonly bodyLimit?: string;
  /** Serve the Altair playground (default true). */
  readonly playground?: boolean;
  /** Every GraphQL and REST request spends one request of its subject's budget. */
  readonly rateLimit?: RequestBudget;
}

/**
 * The gateway's HTTP surface besides POST /graphql (which the server hands straight to graphql-http.ts):
 * the offline playground and console, seed REST, health probes and metrics.
 */
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

  if (options.playground ?? true) app.use(PLAYGROUND_PATH, playgroundRouter());
  // GraphQL authenticates its callers itself.
  app.get('/graphql', (request, response) =>
    (options.playground ?? true) && wantsPlayground(request)
      ? sendPlayground(request, response)
      : options.graphql(request, response),
  );
  app.use(CONSOLE_PATH, consoleRouter());

  // Everything below needs a caller; health probes, the playground and the console pages above do not.
  app.use(options.authenticate);
  // After authentication, so that a caller's budget is their subject's.
  if (options.rateLimit) app.use(rateLimitMiddleware(options.rateLimit));
  app.use(express.json({ limit: options.bodyLimit ?? '64kb' }));
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
    setRefusalHeaders(response, error);
    response.status(status).json({ error: { code, message } });
  };
  app.use(handleError);
  return app;
}
