import { GraphQLError, Kind } from 'graphql';
import type { ParseOptions, SelectionNode, ValidationRule } from 'graphql';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';

/**
 * Limits on the operation document itself, beside the page-cost limit (complexity.ts), so a hostile
 * document costs little before it is refused. The client's largest document is about 100 tokens and
 * 30 fields, the playground's introspection query about 200 of each.
 */
export const OPERATION_LIMITS = {
  /** The parser stops past this many tokens: a huge document is refused before it is built or validated. */
  maxTokens: 1_000,
  /** Aliases per operation (fragments counted where spread): one field asked for many times over. */
  maxAliases: 15,
  /** Fields per operation, fragments counted where spread. */
  maxFields: 500,
} as const;

export const limitedParseOptions: ParseOptions = { maxTokens: OPERATION_LIMITS.maxTokens };

/** Refuses an operation selecting more than `max` fields, each fragment counted once per spread. */
export const maxFieldsRule =
  (max: number): ValidationRule =>
  (context) => {
    // Fields per fragment, counted once: a fragment spread everywhere costs a lookup, not a walk.
    const perFragment = new Map<string, number>();
    const count = (selections: readonly SelectionNode[], visiting: Set<string>): number => {
      let fields = 0;
      for (const selection of selections) {
        if (selection.kind === Kind.FIELD) {
          fields += 1 + (selection.selectionSet ? count(selection.selectionSet.selections, visiting) : 0);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          fields += count(selection.selectionSet.selections, visiting);
        } else {
          const name = selection.name.value;
          let inFragment = perFragment.get(name);
          const fragment = context.getFragment(name);
          // Unknown and cyclic fragments are refused by graphql's own rules.
          if (inFragment === undefined && fragment && !visiting.has(name)) {
            visiting.add(name);
            inFragment = count(fragment.selectionSet.selections, visiting);
            visiting.delete(name);
            perFragment.set(name, inFragment);
          }
          fields += inFragment ?? 0;
        }
        // Past the limit the exact number no longer matters (and fragments spread in fragments grow fast).
        if (fields > max) return fields;
      }
      return fields;
    };
    return {
      OperationDefinition(operation) {
        const fields = count(operation.selectionSet.selections, new Set());
        if (fields > max) {
          context.reportError(
            new GraphQLError(`too many fields: the operation selects more than ${max}`, { nodes: [operation] }),
          );
        }
      },
    };
  };

/** Validation rules for every operation, over HTTP and websockets. */
export const operationLimitRules = (): ValidationRule[] => [
  maxAliasesRule({
    n: OPERATION_LIMITS.maxAliases,
    // Reported as a validation error (the library's default throws, which Apollo answers with a 500).
    propagateOnRejection: false,
    onReject: [
      (context) =>
        context?.reportError(
          new GraphQLError(`too many aliases: at most ${OPERATION_LIMITS.maxAliases} per operation`),
        ),
    ],
  }),
  maxFieldsRule(OPERATION_LIMITS.maxFields),
];

/**
 * Subscriptions run over graphql-ws on the same path; sent over HTTP one has no event stream to
 * resolve from, so Apollo's validation refuses it (400) with where to send it instead.
 */
export const noSubscriptionOverHttpRule: ValidationRule = (context) => ({
  OperationDefinition(operation) {
    if (operation.operation !== 'subscription') return;
    context.reportError(
      new GraphQLError('subscriptions are served over websockets (graphql-ws) at /graphql, not over HTTP', {
        nodes: operation,
      }),
    );
  },
});

/**
 * With LEDGER_INTROSPECTION=off, the schema's introspection fields are refused, over HTTP and websockets
 * alike, with the setting that does it (Apollo's own refusal tells to pass an option to its constructor).
 */
export const introspectionOffRule: ValidationRule = (context) => ({
  Field(field) {
    if (field.name.value !== '__schema' && field.name.value !== '__type') return;
    context.reportError(
      new GraphQLError('introspection is off on this gateway (LEDGER_INTROSPECTION=off)', { nodes: field }),
    );
  },
});
