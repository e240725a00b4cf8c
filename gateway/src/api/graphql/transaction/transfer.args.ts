import { ArgsType, Field, ID } from 'type-graphql';
import { MoneyCommandArgs } from './money-command.args.js';

@ArgsType()
export class TransferArgs extends MoneyCommandArgs {
  @Field(() => ID)
  from!: string;

  @Field(() => ID)
  to!: string;
}
