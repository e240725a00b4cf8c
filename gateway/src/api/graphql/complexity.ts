import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, Kind, visit } from 'graphql';
import type { DocumentNode, GraphQLSchema, ValueNode } from 'graphql';
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

/** The refusal of an operation over the cost limit; `http` gives Apollo its status (400, not 500). */
export function tooComplex(complexity: number, max = MAX_COMPLEXITY, http = false): GraphQLError {
  return new GraphQLError(`query too complex: cost ${complexity}, at most ${max} (ask for smaller pages)`, {
    extensions: { code: 'BAD_USER_INPUT', ...(http ? { http: { status: 400 } } : {}) },
  });
}

const holdsVariable = (value: ValueNode): boolean => {
  switch (value.kind) {
    case Kind.VARIABLE:
      return true;
    case Kind.LIST:
      return value.values.some(holdsVariable);
    case Kind.OBJECT:
      return value.fields.some((field) => holdsVariable(field.value));
    default:
      return false;
  }
};

/**
 * Whether an operation's cost can change with its variables: only a page size (`first`) or a
 * directive (`@include`, `@skip`) given as a variable changes what the estimators count.
 */
export function costDependsOnVariables(document: DocumentNode): boolean {
  let depends = false;
  visit(document, {
    Argument(argument) {
      if (argument.name.value === 'first' && holdsVariable(argument.value)) depends = true;
    },
    Directive(directive) {
      if (directive.arguments?.some((argument) => holdsVariable(argument.value))) depends = true;
    },
  });
  return depends;
}

/**
 * Costs of documents whose cost cannot change with their variables, per operation name. Apollo hands
 * every request with the same text the same parsed document, so most requests cost a lookup.
 */
const knownCosts = new WeakMap<DocumentNode, Map<string, number> | null>();

export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown>,
  operationName: string | undefined,
): number {
  let costs = knownCosts.get(document);
  if (costs === undefined) {
    costs = costDependsOnVariables(document) ? null : new Map();
    knownCosts.set(document, costs);
  }
  if (costs === null) return complexityOf(schema, document, variables, operationName);
  let cost = costs.get(operationName ?? '');
  if (cost === undefined) {
    cost = complexityOf(schema, document, variables, operationName);
    costs.set(operationName ?? '', cost);
  }
  return cost;
}

/** Refuses, before execution, operations whose worst-case size is out of proportion (nested pages). */
export function complexityLimit(schema: GraphQLSchema, max = MAX_COMPLEXITY): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          const complexity = operationCost(schema, document, request.variables ?? {}, request.operationName);
          if (complexity > max) throw tooComplex(complexity, max, true);
        },
      };
    },
  };
}
