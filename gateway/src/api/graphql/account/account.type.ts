import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { AccountView } from '@ledger/schema';
import { DateTimeScalar } from '../scalars/date-time.scalar.js';
import { MoneyScalar } from '../scalars/money.scalar.js';

export const AccountStatus = { OPEN: 'OPEN', CLOSED: 'CLOSED' } as const;
export type AccountStatus = (typeof AccountStatus)[keyof typeof AccountStatus];
registerEnumType(AccountStatus, { name: 'AccountStatus' });

@ObjectType({ description: 'A bank account as the read model shows it.' })
export class Account {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  owner!: string;

  @Field(() => MoneyScalar)
  balance!: bigint;

  @Field(() => AccountStatus)
  status!: AccountStatus;

  @Field(() => Int, { description: 'Number of events applied to the account.' })
  version!: number;

  @Field(() => DateTimeScalar)
  updatedAt!: Date;
}

export function toAccount(view: AccountView): Account {
  return {
    id: view.id,
    owner: view.owner,
    balance: BigInt(view.balance),
    status: view.status,
    version: view.version,
    updatedAt: new Date(view.updatedAt),
  };
}
