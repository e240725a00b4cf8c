import { Arg, Args, Ctx, FieldResolver, ID, Info, Query, Resolver, Root } from 'type-graphql';
import { Kind } from 'graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { parsePosition, ValidationError } from '@ledger/platform';
import { requireId, requirePageSize } from '@ledger/schema';
import { requireOwnAccount } from '../../../application/authorization.js';
import { completeEntries } from '../../../application/statement-entries.js';
import { decodeStatementCursor, encodeStatementCursor } from '../../../domain/cursor.js';
import { Account } from '../account/account.type.js';
import { PageArgs } from '../common/page.args.js';
import type { GatewayContext } from '../context.js';
import { DateTimeScalar } from '../scalars/date-time.scalar.js';
import { MoneyScalar } from '../scalars/money.scalar.js';
import { Statement, StatementEntryConnection, toStatementEntry } from './statement.type.js';

/**
 * History is stored with ISO-8601 times of four-digit years, compared as text: a moment outside
 * them reads as the nearest one inside.
 */
function instant(date: Date): string {
  const year = date.getUTCFullYear();
  if (year < 0) return '0000-01-01T00:00:00.000Z';
  if (year > 9999) return '9999-12-31T23:59:59.999Z';
  return date.toISOString();
}

/**
 * The cursor the statement's `entries` continue after, if any: a later page is read as of the sequence
 * its first page was (the cursor carries it), so that its opening, closing and entries are those of the
 * first page's statement.
 */
function entriesCursor(info: GraphQLResolveInfo): string | undefined {
  for (const selection of info.fieldNodes[0]?.selectionSet?.selections ?? []) {
    if (selection.kind !== Kind.FIELD || selection.name.value !== 'entries') continue;
    const after = selection.arguments?.find((argument) => argument.name.value === 'after')?.value;
    if (after?.kind === Kind.STRING) return after.value;
    if (after?.kind === Kind.VARIABLE) {
      const value = info.variableValues[after.name.value];
      if (typeof value === 'string') return value;
    }
  }
  return undefined;
}

@Resolver(() => Statement)
export class StatementResolver {
  @Query(() => Statement, {
    nullable: true,
    description: "An account's statement for from < at <= to; null when there is no such account.",
  })
  async statement(
    @Arg('accountId', () => ID) accountId: string,
    @Arg('from', () => DateTimeScalar) from: Date,
    @Arg('to', () => DateTimeScalar) to: Date,
    @Ctx() { readModel, principal }: GatewayContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Statement | null> {
    const id = requireId(accountId, 'accountId');
    if (from.getTime() > to.getTime()) throw new ValidationError('from must not be after to');
    const account = await readModel.getAccount(id);
    requireOwnAccount(principal, account);
    if (!account) return null;
    // Read as of the account's last change: its opening, closing and entries then agree with each other
    // however many changes land meanwhile (the history holds every change up to the account's position);
    // a later page, as of the sequence its first page was read as of.
    const after = entriesCursor(info);
    const untilSequence =
      (after === undefined ? undefined : decodeStatementCursor(after).untilSequence) ??
      parsePosition(account.position).sequence;
    const [opening, closing] = await Promise.all([
      readModel.balanceAt(id, instant(from), untilSequence),
      readModel.balanceAt(id, instant(to), untilSequence),
    ]);
    return { accountId: id, from, to, opening: BigInt(opening), closing: BigInt(closing), untilSequence };
  }

  @FieldResolver(() => StatementEntryConnection, { description: 'The changes in the window, oldest first.' })
  async entries(
    @Root() statement: Statement,
    @Args(() => PageArgs) args: PageArgs,
    @Ctx() { readModel }: GatewayContext,
  ): Promise<StatementEntryConnection> {
    const page = await readModel.statementEntries(statement.accountId, {
      from: instant(statement.from),
      to: instant(statement.to),
      first: requirePageSize(args.first),
      after: args.after ? decodeStatementCursor(args.after) : undefined,
      untilSequence: statement.untilSequence,
    });
    const entries = await completeEntries(readModel, page.entries);
    const edges = entries.map((entry) => ({
      cursor: encodeStatementCursor(entry, statement.untilSequence),
      node: toStatementEntry(entry),
    }));
    return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null } };
  }
}

@Resolver(() => Account)
export class AccountHistoryResolver {
  @FieldResolver(() => MoneyScalar, {
    description: 'The balance as it was at that moment, exact to the change; 0 before the account had any.',
  })
  async balanceAt(
    @Root() account: Account,
    @Arg('at', () => DateTimeScalar) at: Date,
    @Ctx() { readModel }: GatewayContext,
  ): Promise<bigint> {
    return BigInt(await readModel.balanceAt(account.id, instant(at)));
  }
}
