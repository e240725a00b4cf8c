import type { Lease, LeaseStore } from './port.js';

export interface InProcessLeaseOptions {
  readonly now?: () => number;
}

/** Leases and membership inside one process (embedded mode): same semantics as the Redis adapter. */
export function createInProcessLeaseStore(options: InProcessLeaseOptions = {}): LeaseStore {
  const now = options.now ?? Date.now;
  const leases = new Map<string, Lease>();
  const tokens = new Map<string, number>();
  const groups = new Map<string, Map<string, number>>();

  const held = (lease: Lease): boolean => {
    const current = leases.get(lease.name);
    return (
      current !== undefined &&
      current.token === lease.token &&
      current.owner === lease.owner &&
      current.expiresAt > now()
    );
  };

  return {
    async acquire(name, owner, ttlMs) {
      const current = leases.get(name);
      if (current && current.expiresAt > now()) return null;
      // Tokens start from the clock, not from 1: fenced checkpoints persist across restarts of
      // the process, and a restarted process must out-rank the tokens its previous run wrote.
      const token = Math.max((tokens.get(name) ?? 0) + 1, now());
      tokens.set(name, token);
      const lease: Lease = { name, owner, token, expiresAt: now() + ttlMs };
      leases.set(name, lease);
      return lease;
    },
    async renew(lease, ttlMs) {
      if (!held(lease)) return null;
      const renewed: Lease = { ...lease, expiresAt: now() + ttlMs };
      leases.set(lease.name, renewed);
      return renewed;
    },
    async release(lease) {
      if (held(lease)) leases.delete(lease.name);
    },
    async holders(names) {
      return names.map((name) => {
        const lease = leases.get(name);
        return lease && lease.expiresAt > now() ? { owner: lease.owner, token: lease.token } : null;
      });
    },
    async currentToken(name) {
      return tokens.get(name) ?? 0;
    },
    async heartbeat(group, member, ttlMs) {
      let members = groups.get(group);
      if (!members) groups.set(group, (members = new Map()));
      members.set(member, now() + ttlMs);
    },
    async leave(group, member) {
      groups.get(group)?.delete(member);
    },
    async members(group) {
      const members = groups.get(group);
      if (!members) return [];
      const t = now();
      return [...members]
        .filter(([, expiresAt]) => expiresAt > t)
        .map(([member]) => member)
        .sort();
    },
    async close() {
      leases.clear();
      groups.clear();
    },
  };
}
