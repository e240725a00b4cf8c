import type { LedgerQueries } from '@ledger/schema';
import type { BalanceFeed } from '../../application/balance-feed.js';
import type { NotificationHub } from '../../application/notification-hub.js';
import type { SystemStatus } from '../../application/system-status.js';
import type { Teller } from '../../application/teller.js';
import type { RequestIdentity } from '../../auth/principal.js';

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
