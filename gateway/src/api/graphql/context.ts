import type { LedgerQueries } from '@ledger/schema';
import type { BalanceFeed } from '../../application/balance-feed.js';
import type { NotificationHub } from '../../application/notification-hub.js';
import type { SystemStatus } from '../../application/system-status.js';
import type { Teller } from '../../application/teller.js';
import type { Principal, RequestIdentity } from '../../auth/principal.js';

/** What every operation shares. */
export interface GatewayServices {
  readonly teller: Teller;
  readonly readModel: LedgerQueries;
  readonly hub: NotificationHub;
  /** Balance changes from the history, for resumable subscriptions. */
  readonly balanceFeed: BalanceFeed;
  /** The operator view (Query.system). */
  readonly system: SystemStatus;
  /** Re-check period of live subscriptions, for lost notifications. */
  readonly livePollMs: number;
}

/** What resolvers get: the shared services and who asks (`principal`, `requestId`). */
export interface GatewayContext extends GatewayServices, RequestIdentity {}

/**
 * An operation's context: the gateway's services on its prototype, who asks as its own properties.
 * Apollo copies each HTTP operation's context before running it (its own properties onto an object
 * with the same prototype), so the copy takes two properties rather than eight.
 */
export const contextOf = (services: GatewayServices, principal: Principal, requestId: string): GatewayContext => {
  const context = Object.create(services) as { principal: Principal; requestId: string };
  context.principal = principal;
  context.requestId = requestId;
  return context as GatewayContext;
};
