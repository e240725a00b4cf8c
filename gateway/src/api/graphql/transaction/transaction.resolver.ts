import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { requireId } from '@ledger/schema';
import { requireOwnTransaction } from '../../../application/authorization.js';
import type { GatewayContext } from '../context.js';
import { AccountAmountArgs } from './account-amount.args.js';
import { TransferArgs } from './transfer.args.js';
import { Transaction, toTransaction } from './transaction.type.js';

/** Mutations answer with the transaction; a FAILED one (e.g. insufficient funds) is a normal result. */
@Resolver(() => Transaction)
export class TransactionResolver {
  @Query(() => Transaction, { nullable: true, description: 'A transaction by id; null when there is none.' })
  async transaction(
    @Arg('id', () => ID) id: string,
    @Ctx() { readModel, principal }: GatewayContext,
  ): Promise<Transaction | null> {
    const view = await readModel.getTransaction(requireId(id, 'id'));
    await requireOwnTransaction(principal, readModel, view);
    return view ? toTransaction(view) : null;
  }

  @Mutation(() => Transaction)
  async deposit(
    @Args(() => AccountAmountArgs) args: AccountAmountArgs,
    @Ctx() context: GatewayContext,
  ): Promise<Transaction> {
    return toTransaction(await context.teller.deposit(args, context));
  }

  @Mutation(() => Transaction)
  async withdraw(
    @Args(() => AccountAmountArgs) args: AccountAmountArgs,
    @Ctx() context: GatewayContext,
  ): Promise<Transaction> {
    return toTransaction(await context.teller.withdraw(args, context));
  }

  @Mutation(() => Transaction)
  async transfer(@Args(() => TransferArgs) args: TransferArgs, @Ctx() context: GatewayContext): Promise<Transaction> {
    return toTransaction(await context.teller.transfer(args, context));
  }
}
