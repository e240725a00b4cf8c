import { Field, ObjectType } from 'type-graphql';
import { PageInfo } from '../common/page-info.type.js';
import { Transaction } from './transaction.type.js';

@ObjectType()
export class TransactionEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => Transaction)
  node!: Transaction;
}

@ObjectType({ description: "An account's transactions, newest first." })
export class TransactionConnection {
  @Field(() => [TransactionEdge])
  edges!: TransactionEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}
