import { Field, ID, ObjectType } from 'type-graphql';
import type { BalanceEntry } from '@ledger/schema';
import { PageInfo } from '../common/page-info.type.js';
import { DateTimeScalar } from '../scalars/date-time.scalar.js';
import { MoneyScalar } from '../scalars/money.scalar.js';
import { TransactionKind } from '../transaction/transaction.type.js';

@ObjectType({ description: "One change of an account's balance." })
export class StatementEntry {
  @Field(() => ID)
  transactionId!: string;

  @Field(() => TransactionKind)
  kind!: TransactionKind;

  @Field(() => MoneyScalar, { description: 'Signed: positive into the account, negative out of it.' })
  amount!: bigint;

  @Field(() => ID, { nullable: true, description: 'The other account of a transfer.' })
  counterparty!: string | null;

  @Field(() => MoneyScalar)
  balanceAfter!: bigint;

  @Field(() => DateTimeScalar)
  at!: Date;

  @Field(() => String, { description: 'Store position of the change; totally ordered per account.' })
  position!: string;
}

@ObjectType()
export class StatementEntryEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => StatementEntry)
  node!: StatementEntry;
}

@ObjectType({ description: "A statement's entries, oldest first." })
export class StatementEntryConnection {
  @Field(() => [StatementEntryEdge])
  edges!: StatementEntryEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

@ObjectType({
  description:
    'The changes of an account\'s balance with from < at <= to. opening (the balance at "from") plus every entry\'s amount is closing (the balance at "to").',
})
export class Statement {
  @Field(() => ID)
  accountId!: string;

  @Field(() => DateTimeScalar)
  from!: Date;

  @Field(() => DateTimeScalar)
  to!: Date;

  @Field(() => MoneyScalar)
  opening!: bigint;

  @Field(() => MoneyScalar)
  closing!: bigint;

  /** The sequence it was read as of (not a field): its entries stop there too. */
  untilSequence!: number;
}

/** An entry whose kind is known (see completeEntries for those recorded before it was). */
export type KnownEntry = BalanceEntry & { readonly kind: TransactionKind };

export function toStatementEntry(entry: KnownEntry): StatementEntry {
  return {
    transactionId: entry.transactionId,
    kind: entry.kind,
    amount: BigInt(entry.amount),
    counterparty: entry.counterparty,
    balanceAfter: BigInt(entry.balanceAfter),
    at: new Date(entry.at),
    position: entry.position,
  };
}
