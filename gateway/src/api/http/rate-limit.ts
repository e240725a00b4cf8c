import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import type { RateLimit } from '../../ports/rate-limit.js';

/** A request over its subject's budget; it is answered 429 with Retry-After. */
export class RateLimitedError extends Error {
  readonly code = 'RATE_LIMITED';
  constructor(readonly retryAfterMs: number) {
    super(`rate limit reached: try again in ${Math.ceil(retryAfterMs / 1000)} s`);
    this.name = 'RateLimitedError';
  }
}

/** Where each HTTP request spends one request of its subject's budget. */
export interface RequestBudget {
  readonly limit: RateLimit;
  readonly subjectOf: (request: IncomingMessage) => string;
}

/** Spends one request of the subject's budget, or rejects with RateLimitedError (before the body is read). */
export async function spendRequest(budget: RequestBudget, request: IncomingMessage): Promise<void> {
  const decision = await budget.limit.take(budget.subjectOf(request));
  if (!decision.allowed) throw new RateLimitedError(decision.retryAfterMs);
}

/** spendRequest as Express middleware, for the routes besides /graphql. */
export const rateLimitMiddleware =
  (budget: RequestBudget): RequestHandler =>
  (request, _response, next) => {
    spendRequest(budget, request).then(() => next(), next);
  };
