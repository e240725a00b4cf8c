import { ArgsType, Field, ID } from 'type-graphql';
import { MoneyCommandArgs } from './money-command.args.js';

/** Arguments of deposit and withdraw: one account and a positive amount. */
@ArgsType()
export class AccountAmountArgs extends MoneyCommandArgs {
  @Field(() => ID)
  accountId!: string;
}
