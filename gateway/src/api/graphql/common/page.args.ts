import { ArgsType, Field, Int } from 'type-graphql';

/** Forward cursor pagination: `first` items after the opaque cursor `after`. */
@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, defaultValue: 20, description: 'Page size, 1 to 100.' })
  first!: number | null;

  @Field(() => String, { nullable: true })
  after!: string | null;
}
