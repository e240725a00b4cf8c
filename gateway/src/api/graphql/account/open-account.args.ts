import { ArgsType, Field } from 'type-graphql';
import { Consistency } from '../common/consistency.enum.js';

@ArgsType()
export class OpenAccountArgs {
  @Field(() => String)
  owner!: string;

  @Field(() => Consistency, { nullable: true })
  consistency!: Consistency | null;
}
