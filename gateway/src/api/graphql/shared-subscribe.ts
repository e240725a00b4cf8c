import { createSourceEventStream, execute } from 'graphql';
import type { DocumentNode, ExecutionArgs, ExecutionResult } from 'graphql';

type Answer = ExecutionResult | Promise<ExecutionResult>;

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  typeof Object(value)[Symbol.asyncIterator] === 'function';

/** Maps each value of `source` through `map`; `return` and `throw` reach the source, as graphql-js's own mapping does. */
function mapEvents<From, To>(source: AsyncIterable<From>, map: (value: From) => To | Promise<To>): AsyncGenerator<To> {
  const iterator = source[Symbol.asyncIterator]();
  const mapped = async (result: IteratorResult<From>): Promise<IteratorResult<To>> => {
    if (result.done) return { value: undefined, done: true };
    try {
      return { value: await map(result.value), done: false };
    } catch (error) {
      await iterator.return?.().catch(() => undefined);
      throw error;
    }
  };
  const generator: AsyncGenerator<To> = {
    next: async () => mapped(await iterator.next()),
    return: async () => (iterator.return ? mapped(await iterator.return()) : { value: undefined, done: true }),
    throw: async (error: unknown) => {
      if (iterator.throw) return mapped(await iterator.throw(error));
      throw error;
    },
    [Symbol.asyncIterator]: () => generator,
  };
  return generator;
}

/**
 * graphql-ws's `subscribe`: graphql-js's own (the root field's source stream, each event executed with
 * it as the root value), except that an event is executed once for every subscription that would
 * answer it alike: the same event object (the live feeds hand one object to all the subscriptions that
 * have seen the same changes), the same document object (`onSubscribe` parses each text once), the
 * same operation and variables, and the same caller (`callerOf`: what resolvers may look at besides).
 * A thousand subscribers over a hundred accounts then execute each change once per account, not ten times.
 */
export function createSharedSubscribe(
  callerOf: (contextValue: unknown) => string,
): (args: ExecutionArgs) => Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> {
  const answers = new WeakMap<object, Map<string, Answer>>();
  const documents = new WeakMap<DocumentNode, number>();
  let documentCount = 0;
  return async (args) => {
    const source = await createSourceEventStream(args);
    if (!isAsyncIterable(source)) return source;
    let document = documents.get(args.document);
    if (document === undefined) documents.set(args.document, (document = documentCount++));
    const key = [
      document,
      args.operationName ?? '',
      JSON.stringify(args.variableValues ?? {}),
      callerOf(args.contextValue),
    ].join('\n');
    const answer = (event: unknown): Answer => execute({ ...args, rootValue: event });
    return mapEvents(source, (event) => {
      if (typeof event !== 'object' || event === null) return answer(event);
      let byKey = answers.get(event);
      if (!byKey) answers.set(event, (byKey = new Map()));
      let found = byKey.get(key);
      if (!found) byKey.set(key, (found = answer(event)));
      return found;
    });
  };
}
