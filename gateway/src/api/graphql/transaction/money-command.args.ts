import { ArgsType, Field } from 'type-graphql';
import { Consistency } from '../common/consistency.enum.js';
import { MoneyScalar } from '../scalars/money.scalar.js';

/** What every money-moving mutation takes besides its accounts. */
@ArgsType()
export class MoneyCommandArgs {
  @Field(() => MoneyScalar)
  amount!: bigint;

  @Field(() => String, { nullable: true, description: 'Retrying with the same key has one effect.' })
  idempotencyKey!: string | null;

  @Field(() => Consistency, { nullable: true })
  consistency!: Consistency | null;
}
