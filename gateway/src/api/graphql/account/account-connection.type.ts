import { Field, Int, ObjectType } from 'type-graphql';
import { PageInfo } from '../common/page-info.type.js';
import { Account } from './account.type.js';

@ObjectType()
export class AccountEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => Account)
  node!: Account;
}

@ObjectType({ description: 'Accounts by owner ascending, then id.' })
export class AccountConnection {
  @Field(() => [AccountEdge])
  edges!: AccountEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'Accounts matching the filter, across all pages.' })
  totalCount!: number;
}
