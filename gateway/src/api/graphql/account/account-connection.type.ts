import { Field, ObjectType } from 'type-graphql';
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

  /** The filter of the listing, for `totalCount` (resolved apart: only a query that asks for it pays for the count). */
  owner?: string;
}
