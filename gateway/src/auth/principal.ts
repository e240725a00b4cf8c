import type { IncomingMessage } from 'node:http';

/** The roles a token can carry; anything else in the roles claim is ignored. */
export const ROLES = ['customer', 'teller', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is asking, as the gateway established it once per HTTP request or websocket connection. */
export interface Principal {
  /** The token's `sub`; null when authentication is off (`LEDGER_AUTH=none`). */
  readonly subject: string | null;
  readonly roles: readonly Role[];
  /** When the credential stops being valid (ms since the epoch); null when it never does. */
  readonly expiresAt: number | null;
}

/** The caller when authentication is off: anyone who reaches the gateway may do anything. */
export const OPEN_ACCESS: Principal = Object.freeze({
  subject: null,
  roles: Object.freeze([...ROLES]),
  expiresAt: null,
});

export const hasRole = (principal: Principal, role: Role): boolean => principal.roles.includes(role);

/** What the gateway knows of a request before anything runs: its caller and its id for the audit trail. */
export interface RequestIdentity {
  readonly principal: Principal;
  /** Echoed in the `x-request-id` response header and recorded in the metadata of every event it causes. */
  readonly requestId: string;
}

// Carried by the HTTP request, or by the upgrade request of a websocket (graphql-ws `ctx.extra.request`),
// under a symbol of this module: a property costs a fraction of a WeakMap entry, which every request
// paid (about 1.4 us of its CPU, and ephemerons for the collector), and it goes with the request.
const IDENTITY = Symbol('ledger.identity');
type Identified = IncomingMessage & { [IDENTITY]?: RequestIdentity };

export function attachIdentity(request: IncomingMessage, identity: RequestIdentity): void {
  (request as Identified)[IDENTITY] = identity;
}

/**
 * The identity the gateway attached to an HTTP request (after its authentication middleware) or to a
 * websocket's upgrade request (after connection_init). Throws when there is none: reading it before
 * authentication is a bug, not an anonymous caller.
 */
export function identityOf(request: IncomingMessage): RequestIdentity {
  const identity = (request as Identified)[IDENTITY];
  if (!identity) throw new Error('no identity on this request: it has not been authenticated');
  return identity;
}

/** The identity of a request when it has been authenticated (for code that also runs before). */
export const findIdentity = (request: IncomingMessage): RequestIdentity | undefined =>
  (request as Identified)[IDENTITY];

/** The caller of an HTTP request or websocket connection (see identityOf). */
export const principalOf = (request: IncomingMessage): Principal => identityOf(request).principal;
