import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import type { TransactionView } from '@ledger/schema';
import { DateTimeScalar } from '../scalars/date-time.scalar.js';
import { MoneyScalar } from '../scalars/money.scalar.js';

export const TransactionKind = { DEPOSIT: 'DEPOSIT', WITHDRAWAL: 'WITHDRAWAL', TRANSFER: 'TRANSFER' } as const;
export type TransactionKind = (typeof TransactionKind)[keyof typeof TransactionKind];
registerEnumType(TransactionKind, { name: 'TransactionKind' });

export const TransactionStatus = { PENDING: 'PENDING', SUCCEEDED: 'SUCCEEDED', FAILED: 'FAILED' } as const;
export type TransactionStatus = (typeof TransactionStatus)[keyof typeof TransactionStatus];
registerEnumType(TransactionStatus, { name: 'TransactionStatus' });

@ObjectType({ description: 'A deposit, withdrawal or transfer. A FAILED one moved no money.' })
export class Transaction {
  @Field(() => ID)
  id!: string;

  @Field(() => TransactionKind)
  kind!: TransactionKind;

  @Field(() => ID, { nullable: true, description: 'Debited account (withdrawals and transfers).' })
  from!: string | null;

  @Field(() => ID, { nullable: true, description: 'Credited account (deposits and transfers).' })
  to!: string | null;

  @Field(() => MoneyScalar)
  amount!: bigint;

  @Field(() => TransactionStatus)
  status!: TransactionStatus;

  @Field(() => String, { nullable: true })
  failureReason!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Who asked for it: the caller (JWT subject) recorded in its events; null without authentication.',
  })
  initiatedBy!: string | null;

  @Field(() => DateTimeScalar)
  createdAt!: Date;
}

export function toTransaction(view: TransactionView): Transaction {
  return {
    id: view.id,
    kind: view.kind,
    from: view.from,
    to: view.to,
    amount: BigInt(view.amount),
    status: view.status,
    failureReason: view.failureReason,
    initiatedBy: view.initiatedBy,
    createdAt: new Date(view.createdAt),
  };
}
