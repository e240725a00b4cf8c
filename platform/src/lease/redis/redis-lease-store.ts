import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Lease, LeaseStore } from '../port.js';
import { acquireScript, heartbeatScript, membersScript, releaseScript, renewScript } from './scripts.js';

export interface RedisLeaseStoreOptions {
  /** e.g. redis://127.0.0.1:6379 */
  readonly url: string;
  /** Namespace of every key, so deployments (and test runs) sharing one Redis stay apart. */
  readonly keyPrefix?: string;
  readonly logger?: Logger;
  /** A call slower than this fails, so a dead connection reads as "store unavailable" rather than a hang. */
  readonly commandTimeoutMs?: number;
}

interface LeaseCommands {
  ledgerLeaseAcquire(lease: string, counter: string, owner: string, ttlMs: number): Promise<number>;
  ledgerLeaseRenew(lease: string, holder: string, ttlMs: number): Promise<number>;
  ledgerLeaseRelease(lease: string, holder: string): Promise<number>;
  ledgerHeartbeat(group: string, member: string, ttlMs: number): Promise<number>;
  ledgerMembers(group: string): Promise<string[]>;
}

/**
 * Leases and membership on Redis (distributed mode). A lease is one key holding "<token>:<owner>" with a
 * PX expiry; its fencing token comes from a per-name counter that never resets. Membership is a sorted set
 * scored by expiry in Redis server time.
 */
export function createRedisLeaseStore(options: RedisLeaseStoreOptions): LeaseStore {
  const prefix = options.keyPrefix ?? 'ledger';
  const client = new Redis(options.url, {
    commandTimeout: options.commandTimeoutMs ?? 2_000,
    maxRetriesPerRequest: 1,
  }) as Redis & LeaseCommands;
  client.defineCommand('ledgerLeaseAcquire', { numberOfKeys: 2, lua: acquireScript });
  client.defineCommand('ledgerLeaseRenew', { numberOfKeys: 1, lua: renewScript });
  client.defineCommand('ledgerLeaseRelease', { numberOfKeys: 1, lua: releaseScript });
  client.defineCommand('ledgerHeartbeat', { numberOfKeys: 1, lua: heartbeatScript });
  client.defineCommand('ledgerMembers', { numberOfKeys: 1, lua: membersScript });
  // Without a listener ioredis prints every reconnect failure; callers see failures as rejected calls.
  client.on('error', (error: Error) => options.logger?.warn({ err: error }, 'redis lease store connection error'));

  // Hash tags keep a lease and its counter in one slot, as a script touching both needs on a cluster.
  const leaseKey = (name: string): string => `${prefix}:lease:{${name}}`;
  const counterKey = (name: string): string => `${prefix}:lease-token:{${name}}`;
  const groupKey = (group: string): string => `${prefix}:members:{${group}}`;
  const holder = (lease: Lease): string => `${lease.token}:${lease.owner}`;

  return {
    async acquire(name, owner, ttlMs) {
      // Taken before the call: Redis starts the PX later, so this expiry is never later than the real one.
      const sentAt = Date.now();
      const token = await client.ledgerLeaseAcquire(leaseKey(name), counterKey(name), owner, ttlMs);
      return token === 0 ? null : { name, owner, token, expiresAt: sentAt + ttlMs };
    },
    async renew(lease, ttlMs) {
      const sentAt = Date.now();
      const renewed = await client.ledgerLeaseRenew(leaseKey(lease.name), holder(lease), ttlMs);
      return renewed === 1 ? { ...lease, expiresAt: sentAt + ttlMs } : null;
    },
    async release(lease) {
      await client.ledgerLeaseRelease(leaseKey(lease.name), holder(lease));
    },
    async holders(names) {
      if (names.length === 0) return [];
      // A lease key holds "<token>:<owner>" and disappears when it expires.
      const values = await client.mget(names.map(leaseKey));
      return values.map((value) => {
        const colon = value?.indexOf(':') ?? -1;
        return value && colon > 0 ? { token: Number(value.slice(0, colon)), owner: value.slice(colon + 1) } : null;
      });
    },
    async currentToken(name) {
      return Number((await client.get(counterKey(name))) ?? 0);
    },
    async heartbeat(group, member, ttlMs) {
      await client.ledgerHeartbeat(groupKey(group), member, ttlMs);
    },
    async leave(group, member) {
      await client.zrem(groupKey(group), member);
    },
    async members(group) {
      return (await client.ledgerMembers(groupKey(group))).sort();
    },
    async close() {
      await client.quit().catch(() => client.disconnect());
    },
  };
}
