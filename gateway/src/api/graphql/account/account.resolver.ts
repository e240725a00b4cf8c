import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import {
  decodeAccountCursor,
  decodeTransactionCursor,
  encodeAccountCursor,
  encodeTransactionCursor,
} from '../../../domain/cursor.js';
import { requireId, requirePageSize } from '@ledger/schema';
import { listedOwner, requireOwnAccount } from '../../../application/authorization.js';
import type { GatewayContext } from '../context.js';
import { PageArgs } from '../common/page.args.js';
import { TransactionConnection } from '../transaction/transaction-connection.type.js';
import { toTransaction } from '../transaction/transaction.type.js';
import { AccountConnection } from './account-connection.type.js';
import { Account, toAccount } from './account.type.js';
import { AccountsArgs } from './accounts.args.js';
import { OpenAccountArgs } from './open-account.args.js';

@Resolver(() => Account)
export class AccountResolver {
  @Query(() => Account, { nullable: true, description: 'An account by id; null when there is none.' })
  async account(
    @Arg('id', () => ID) id: string,
    @Ctx() { readModel, principal }: GatewayContext,
  ): Promise<Account | null> {
    const view = await readModel.getAccount(requireId(id, 'id'));
    requireOwnAccount(principal, view);
    return view ? toAccount(view) : null;
  }

  @Query(() => AccountConnection, {
    description: "Accounts by owner ascending, then id. A customer's are their own (owner = their subject).",
  })
  async accounts(
    @Args(() => AccountsArgs) args: AccountsArgs,
    @Ctx() { readModel, principal }: GatewayContext,
  ): Promise<AccountConnection> {
    // A customer's listing (and its count) is scoped to their own accounts, whatever they asked for.
    // Owners are stored trimmed; so is the one asked for.
    const owner = listedOwner(principal, args.owner?.trim() ?? undefined);
    const page = await readModel.listAccounts({
      owner,
      first: requirePageSize(args.first),
      after: args.after ? decodeAccountCursor(args.after) : undefined,
    });
    const edges = page.accounts.map((view) => ({ cursor: encodeAccountCursor(view), node: toAccount(view) }));
    const connection: AccountConnection = {
      edges,
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
    };
    if (owner !== undefined) connection.owner = owner;
    return connection;
  }

  @FieldResolver(() => TransactionConnection, { description: "The account's transactions, newest first." })
  async transactions(
    @Root() account: Account,
    @Args(() => PageArgs) args: PageArgs,
    @Ctx() { readModel }: GatewayContext,
  ): Promise<TransactionConnection> {
    const page = await readModel.listTransactions(account.id, {
      first: requirePageSize(args.first),
      after: args.after ? decodeTransactionCursor(args.after) : undefined,
    });
    const edges = page.transactions.map((view) => ({
      cursor: encodeTransactionCursor(view),
      node: toTransaction(view),
    }));
    return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null } };
  }

  @Mutation(() => Account, {
    description:
      'Closes an account whose balance is zero; a closed account refuses deposits, withdrawals and transfers. FAILED_PRECONDITION when money is left on it or it is closed already.',
  })
  async closeAccount(@Arg('accountId', () => ID) accountId: string, @Ctx() context: GatewayContext): Promise<Account> {
    return toAccount(await context.teller.closeAccount({ accountId }, context));
  }

  @Mutation(() => Account, { description: 'Gives an open account a new owner.' })
  async changeOwner(
    @Arg('accountId', () => ID) accountId: string,
    @Arg('owner', () => String) owner: string,
    @Ctx() context: GatewayContext,
  ): Promise<Account> {
    return toAccount(await context.teller.changeOwner({ accountId, owner }, context));
  }

  @Mutation(() => Account, { description: 'Opens an account with a zero balance.' })
  async openAccount(
    @Args(() => OpenAccountArgs) args: OpenAccountArgs,
    @Ctx() context: GatewayContext,
  ): Promise<Account> {
    return toAccount(await context.teller.openAccount(args, context));
  }
}

@Resolver(() => AccountConnection)
export class AccountConnectionResolver {
  // An exact count visits every match, so it runs only when a query selects it.
  @FieldResolver(() => Int, { description: 'Accounts matching the filter, across all pages.' })
  totalCount(@Root() connection: AccountConnection, @Ctx() { readModel }: GatewayContext): Promise<number> {
    return readModel.countAccounts(connection.owner === undefined ? {} : { owner: connection.owner });
  }
}
