import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { RateLimit } from '../../ports/rate-limit.js';
import { rateLimitOver } from './spend.js';

/** The embedded rate limit: budgets in this process's memory. */
export function createMemoryRateLimit(options: { readonly perSecond: number }): RateLimit {
  return rateLimitOver(new RateLimiterMemory({ points: options.perSecond, duration: 1 }), async () => undefined);
}
