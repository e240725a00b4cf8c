import { RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RateDecision, RateLimit } from '../../ports/rate-limit.js';

const ALLOWED: RateDecision = { allowed: true };

/** A RateLimit over a rate-limiter-flexible limiter of `points` per 1-second window, one key per subject. */
export function rateLimitOver(limiter: RateLimiterAbstract, close: () => Promise<void>): RateLimit {
  return {
    async take(subject) {
      try {
        await limiter.consume(subject);
        return ALLOWED;
      } catch (rejection) {
        // The library rejects with its result object when the budget is spent, with an Error otherwise.
        if (rejection instanceof RateLimiterRes)
          return { allowed: false, retryAfterMs: Math.max(1, rejection.msBeforeNext) };
        throw rejection;
      }
    },
    close,
  };
}
