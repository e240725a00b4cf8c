import { ArgsType, Field, ID } from 'type-graphql';
import { Consistency } from '../common/consistency.enum.js';
import { MoneyScalar } from '../scalars/money.scalar.js';

@ArgsType()
export class TransferArgs {
  @Field(() => ID)
  from!: string;

  @Field(() => ID)
  to!: string;

  @Field(() => MoneyScalar)
  amount!: bigint;

  @Field(() => String, { nullable: true, description: 'Retrying with the same key has one effect.' })
  idempotencyKey!: string | null;

  @Field(() => Consistency, { nullable: true })
  consistency!: Consistency | null;
}
