/** Exclusive, expiring ownership of a named resource (a partition worker). */
export interface Lease {
  readonly name: string;
  readonly owner: string;
  /** Fencing token: strictly increases with every grant of this name. */
  readonly token: number;
  /** Epoch milliseconds after which the lease is no longer held. */
  readonly expiresAt: number;
}

/** Who holds a lease now. */
export interface LeaseHolder {
  readonly owner: string;
  readonly token: number;
}

export interface LeaseStore {
  /** Grants the lease if it is free or expired; null when someone else holds it. */
  acquire(name: string, owner: string, ttlMs: number): Promise<Lease | null>;
  /** Extends a held lease; null when it was lost (expired and taken, or released). */
  renew(lease: Lease, ttlMs: number): Promise<Lease | null>;
  /** Gives the lease up at once if still held by this grant. */
  release(lease: Lease): Promise<void>;
  /** The current holder of each name, null where it is free or expired; in the order asked. */
  holders(names: readonly string[]): Promise<Array<LeaseHolder | null>>;
  /** Latest fencing token granted for a name (0 if never granted). */
  currentToken(name: string): Promise<number>;

  /** Membership: a member is live while it heartbeats within its TTL. */
  heartbeat(group: string, member: string, ttlMs: number): Promise<void>;
  leave(group: string, member: string): Promise<void>;
  /** Live members, sorted. */
  members(group: string): Promise<string[]>;

  close(): Promise<void>;
}
