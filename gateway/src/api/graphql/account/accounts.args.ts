import { ArgsType, Field } from 'type-graphql';
import { PageArgs } from '../common/page.args.js';

@ArgsType()
export class AccountsArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: 'Only the accounts of this owner.' })
  owner!: string | null;
}
