import { Arg, ID, Resolver, Root, Subscription } from 'type-graphql';
import type { SubscribeResolverData } from 'type-graphql';
import { ValidationError } from '@ledger/platform';
import type { TransactionView } from '@ledger/schema';
import { requireId } from '@ledger/schema';
import { requireOwnAccounts, requireOwnTransactionId } from '../../../application/authorization.js';
import type { GatewayContext } from '../context.js';
import { Transaction, toTransaction } from '../transaction/transaction.type.js';
import { BalanceChange, toBalanceChange } from './balance-change.type.js';
import { subscribeBalanceChanges, subscribeTransactionUpdates } from './live-feeds.js';
import type { BalanceChangeItem } from './live-feeds.js';

export const MAX_WATCHED_ACCOUNTS = 100;

type Data<Args> = SubscribeResolverData<unknown, Args, GatewayContext>;

@Resolver()
export class LiveResolver {
  @Subscription(() => BalanceChange, {
    description: `Every change of the balances of these accounts (1 to ${MAX_WATCHED_ACCOUNTS} a subscription), each account's in store order. With \`after\` (a change's cursor), first every change after it, then live: nothing missed, nothing twice.`,
    subscribe: ({ args, context }: Data<{ accountIds: string[]; after?: string | null }>) => {
      if (args.accountIds.length === 0 || args.accountIds.length > MAX_WATCHED_ACCOUNTS) {
        throw new ValidationError(`accountIds must list 1 to ${MAX_WATCHED_ACCOUNTS} accounts`);
      }
      const ids = [...new Set(args.accountIds.map((id) => requireId(id, 'accountIds')))];
      return requireOwnAccounts(context.principal, context.readModel, ids).then(() =>
        subscribeBalanceChanges(context, ids, args.after ?? undefined),
      );
    },
  })
  balanceChanged(
    @Root() change: BalanceChangeItem,
    @Arg('accountIds', () => [ID]) _accountIds: string[],
    @Arg('after', () => String, { nullable: true }) _after: string | null,
  ): BalanceChange {
    return toBalanceChange(change);
  }

  @Subscription(() => Transaction, {
    description: 'The current state of the transaction, then each change; completes once it has settled.',
    subscribe: ({ args, context }: Data<{ id: string }>) => {
      const id = requireId(args.id, 'id');
      return requireOwnTransactionId(context.principal, context.readModel, id).then(() =>
        subscribeTransactionUpdates(context, id),
      );
    },
  })
  transactionUpdated(@Root() view: TransactionView, @Arg('id', () => ID) _id: string): Transaction {
    return toTransaction(view);
  }
}
