import { buildSchema } from 'type-graphql';
import type { PubSub } from 'type-graphql';
import type { GraphQLSchema } from 'graphql';
import { AccountConnectionResolver, AccountResolver } from './account/account.resolver.js';
import { AccountHistoryResolver, StatementResolver } from './history/statement.resolver.js';
import { LiveResolver } from './subscriptions/live.resolver.js';
import { SystemResolver, SystemTransactionsResolver } from './system/system.resolver.js';
import { TransactionResolver } from './transaction/transaction.resolver.js';

/**
 * type-graphql insists on a PubSub once there are subscriptions, but ours each bring their own
 * `subscribe` (fed by the NotificationBus), so this one is never used.
 */
const unusedPubSub: PubSub = {
  publish() {
    throw new Error('Ledger subscriptions are fed from the NotificationBus, not a PubSub');
  },
  subscribe() {
    throw new Error('Ledger subscriptions are fed from the NotificationBus, not a PubSub');
  },
};

/** The Ledger GraphQL schema, built from the resolvers; schema/graphql/schema.graphql is its SDL. */
export function buildLedgerSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [
      AccountResolver,
      AccountConnectionResolver,
      AccountHistoryResolver,
      StatementResolver,
      TransactionResolver,
      LiveResolver,
      SystemResolver,
      SystemTransactionsResolver,
    ],
    pubSub: unusedPubSub,
    validate: false,
  });
}
