import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { Logger } from '@ledger/platform';
import type { RateLimit } from '../../ports/rate-limit.js';
import { rateLimitOver } from './spend.js';

export interface RedisRateLimitOptions {
  /** e.g. redis://127.0.0.1:6379 */
  readonly url: string;
  readonly perSecond: number;
  /** Namespace of the keys: gateways with the same prefix share each subject's budget. */
  readonly keyPrefix: string;
  readonly logger?: Logger;
  /** Longest wait for the connection at start; the in-memory budget answers meanwhile. */
  readonly connectTimeoutMs?: number;
}

/**
 * Budgets in Redis, shared by every gateway of the deployment (one atomic increment per request).
 * While Redis is unreachable each gateway falls back to a budget in its own memory rather than
 * refusing everyone or letting everyone through; a subject over its budget is then turned away in
 * memory for the rest of the second, without another round trip.
 */
export async function createRedisRateLimit(options: RedisRateLimitOptions): Promise<RateLimit> {
  // No offline queue: while disconnected a call fails at once and the in-memory budget answers.
  const client = new Redis(options.url, { enableOfflineQueue: false, commandTimeout: 500, maxRetriesPerRequest: 1 });
  client.on('error', (error: Error) => options.logger?.warn({ err: error }, 'redis rate limit connection error'));
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, options.connectTimeoutMs ?? 2_000);
    client.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  const limiter = new RateLimiterRedis({
    storeClient: client,
    keyPrefix: `${options.keyPrefix}:rate`,
    points: options.perSecond,
    duration: 1,
    // Without a block duration of its own, the in-memory block lasts until the window's end.
    inMemoryBlockOnConsumed: options.perSecond + 1,
    insuranceLimiter: new RateLimiterMemory({ points: options.perSecond, duration: 1 }),
  });
  return rateLimitOver(limiter, async () => {
    await client.quit().catch(() => client.disconnect());
  });
}
