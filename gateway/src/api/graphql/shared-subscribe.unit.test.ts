import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphQLInt, GraphQLObjectType, GraphQLSchema, GraphQLString, parse } from 'graphql';
import type { ExecutionResult } from 'graphql';
import { createSharedSubscribe } from './shared-subscribe.js';

interface Change {
  readonly account: string;
  readonly balance: number;
}

/** A schema whose `changed` subscription yields the events pushed to it, counting how often `balance` resolves. */
function fixture() {
  const feeds = new Set<(event: Change) => void>();
  let resolved = 0;
  const Change = new GraphQLObjectType({
    name: 'Change',
    fields: {
      account: { type: GraphQLString },
      balance: {
        type: GraphQLInt,
        resolve: (change: Change, _args, context: { caller: string }) => {
          resolved++;
          return context.caller === 'auditor' ? -1 : change.balance;
        },
      },
    },
  });
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLInt } } }),
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: {
        changed: {
          type: Change,
          args: { account: { type: GraphQLString } },
          resolve: (event: Change) => event,
          subscribe: () => {
            const queue: Change[] = [];
            let wake: (() => void) | undefined;
            let open = true;
            const push = (event: Change) => {
              queue.push(event);
              wake?.();
            };
            feeds.add(push);
            return {
              [Symbol.asyncIterator]() {
                return this;
              },
              async next(): Promise<IteratorResult<Change>> {
                while (open && queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
                return open ? { value: queue.shift()!, done: false } : { value: undefined, done: true };
              },
              async return(): Promise<IteratorResult<Change>> {
                open = false;
                feeds.delete(push);
                wake?.();
                return { value: undefined, done: true };
              },
            };
          },
        },
      },
    }),
  });
  return {
    schema,
    push: (event: Change) => feeds.forEach((feed) => feed(event)),
    resolved: () => resolved,
    subscribers: () => feeds.size,
  };
}

describe('createSharedSubscribe', () => {
  test('an event is executed once for the subscriptions that answer it alike, and apart for the others', async () => {
    const { schema, push, resolved, subscribers } = fixture();
    const subscribe = createSharedSubscribe((context) => (context as { caller: string }).caller);
    const document = parse('subscription ($account: String) { changed(account: $account) { account balance } }');
    const open = (caller: string, account: string, doc = document) =>
      subscribe({ schema, document: doc, contextValue: { caller }, variableValues: { account } }) as Promise<
        AsyncGenerator<ExecutionResult>
      >;
    const streams = await Promise.all([
      open('ada', 'a'),
      open('ada', 'a'),
      open('ada', 'a'),
      open('auditor', 'a'), // another caller
      open('ada', 'b'), // other variables
      open('ada', 'a', parse('subscription ($account: String) { changed(account: $account) { account balance } }')),
    ]);
    assert.equal(subscribers(), 6);

    const event = { account: 'a', balance: 5 };
    push(event);
    const answers = await Promise.all(streams.map((stream) => stream.next()));
    assert.deepEqual(
      answers.map(({ value }) => JSON.parse(JSON.stringify((value as ExecutionResult).data)) as unknown),
      [5, 5, 5, -1, 5, 5].map((balance) => ({ changed: { account: 'a', balance } })),
    );
    assert.equal(resolved(), 4, 'the three alike once, then the other caller, the other variables, the other document');

    push({ account: 'a', balance: 6 }); // a new event object: executed again
    await Promise.all(streams.map((stream) => stream.next()));
    assert.equal(resolved(), 8);

    await Promise.all(streams.map((stream) => stream.return(undefined)));
    assert.equal(subscribers(), 0, 'return reaches every source');
  });
});
