// The Redis lease store, its own entry (`@ledger/platform/redis`) so that only a process configured
// with REDIS_URL loads the client.
export { createRedisLeaseStore } from './lease/redis/redis-lease-store.js';
export type { RedisLeaseStoreOptions } from './lease/redis/redis-lease-store.js';
