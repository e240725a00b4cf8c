import { Field, ID, ObjectType } from 'type-graphql';
import type { BalanceChangeItem } from './live-feeds.js';
import { DateTimeScalar } from '../scalars/date-time.scalar.js';
import { MoneyScalar } from '../scalars/money.scalar.js';

@ObjectType({ description: "One change of one account's balance." })
export class BalanceChange {
  @Field(() => ID)
  accountId!: string;

  @Field(() => MoneyScalar, { description: 'Balance after the change.' })
  balance!: bigint;

  @Field(() => MoneyScalar, { description: 'Signed amount of the change.' })
  delta!: bigint;

  @Field(() => ID, { nullable: true })
  transactionId!: string | null;

  @Field(() => String, { description: 'Store position "<partition>:<sequence>" of the change.' })
  position!: string;

  @Field(() => DateTimeScalar)
  at!: Date;

  @Field(() => String, {
    description:
      'Opaque resume point: everything this subscription delivered up to here. Pass it back as `after` to continue after it.',
  })
  cursor!: string;
}

export function toBalanceChange(view: BalanceChangeItem): BalanceChange {
  return {
    accountId: view.accountId,
    balance: BigInt(view.balance),
    delta: BigInt(view.delta),
    transactionId: view.transactionId,
    position: view.position,
    at: new Date(view.at),
    cursor: view.cursor,
  };
}
