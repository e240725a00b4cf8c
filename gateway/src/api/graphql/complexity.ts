import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { createRequire } from 'node:module';
import type * as QueryComplexity from 'graphql-query-complexity';
import type { ComplexityEstimator } from 'graphql-query-complexity';

// type-graphql builds the schema with graphql's CommonJS build; the ESM build of this library would
// check it against graphql's ESM build (another realm) and refuse it, so load its CommonJS build.
const { getComplexity, simpleEstimator } = createRequire(import.meta.url)(
  'graphql-query-complexity',
) as typeof QueryComplexity;

/** Enough for a page of 100 accounts with their fields, or an account with 100 transactions. */
export const MAX_COMPLEXITY = 5_000;

/** A paginated field costs its selection once per node it may return. */
const connectionEstimator: ComplexityEstimator = ({ args, childComplexity }) =>
  typeof args.first === 'number' ? 1 + args.first * childComplexity : undefined;

export function complexityOf(
  schema: GraphQLSchema,
  query: DocumentNode,
  variables: Record<string, unknown> = {},
  operationName?: string,
): number {
  return getComplexity({
    schema,
    query,
    variables,
    operationName,
    estimators: [connectionEstimator, simpleEstimator({ defaultComplexity: 1 })],
  });
}

export function tooComplex(complexity: number, max = MAX_COMPLEXITY): GraphQLError {
  return new GraphQLError(`query too complex: cost ${complexity}, at most ${max} (ask for smaller pages)`, {
    extensions: { code: 'BAD_USER_INPUT' },
  });
}

/** Refuses, before execution, operations whose worst-case size is out of proportion (nested pages). */
export function complexityLimit(schema: GraphQLSchema, max = MAX_COMPLEXITY): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          const complexity = complexityOf(schema, document, request.variables ?? {}, request.operationName);
          if (complexity > max) throw tooComplex(complexity, max);
        },
      };
    },
  };
}
