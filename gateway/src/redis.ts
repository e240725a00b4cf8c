// The rate limit shared through Redis, its own entry (`@ledger/gateway/redis`) so that only a
// gateway configured with REDIS_URL loads the client.
export { createRedisRateLimit } from './adapters/rate-limit/redis.js';
export type { RedisRateLimitOptions } from './adapters/rate-limit/redis.js';
