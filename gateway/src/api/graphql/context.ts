import type { LedgerQueries } from '@ledger/schema';
import type { BalanceFeed } from '../../application/balance-feed.js';
import type { NotificationHub } from '../../application/notification-hub.js';
import type { SystemStatus } from '../../application/system-status.js';
import type { Teller } from '../../application/teller.js';

/** What resolvers use; one instance shared by every operation (nothing in it is per request). */
export interface GatewayContext {
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
