import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import type { RateLimit } from '../../ports/rate-limit.js';

/** A request over its subject's budget; the app's error handler answers 429 with Retry-After. */
export class RateLimitedError extends Error {
  readonly code = 'RATE_LIMITED';
  constructor(readonly retryAfterMs: number) {
    super(`rate limit reached: try again in ${Math.ceil(retryAfterMs / 1000)} s`);
    this.name = 'RateLimitedError';
  }
}

/** Spends one request of the subject's budget, or refuses the request before its body is read. */
export function rateLimitMiddleware(limit: RateLimit, subjectOf: (request: IncomingMessage) => string): RequestHandler {
  return (request, _response, next) => {
    limit
      .take(subjectOf(request))
      .then((decision) => next(decision.allowed ? undefined : new RateLimitedError(decision.retryAfterMs)), next);
  };
}
