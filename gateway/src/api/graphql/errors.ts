import { GraphQLError } from 'graphql';
import type { GraphQLFormattedError } from 'graphql';
import { isLedgerError } from '@ledger/platform';
import type { Logger } from '@ledger/platform';
import { clientErrorOf, INTERNAL_ERROR } from '../error-codes.js';

/** The error a GraphQLError was made from, through graphql-js and Apollo wrappers. */
function rootCause(error: unknown): unknown {
  let cause = error;
  while (cause instanceof GraphQLError && cause.originalError) cause = cause.originalError;
  return cause;
}

/**
 * Formats every error sent to a client, once, for HTTP (Apollo `formatError`) and websockets:
 * LedgerErrors get their stable code, GraphQL's own errors (syntax, validation, variables) keep
 * theirs (input rejected by our scalars becomes BAD_USER_INPUT), anything else is masked and logged.
 */
export function createErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const cause = rootCause(error);
    const { locations, path } = formatted;
    if (isLedgerError(cause)) {
      const client = clientErrorOf(cause);
      if (client) return { message: client.message, locations, path, extensions: { code: client.code } };
    } else if (cause instanceof GraphQLError) {
      const code = cause.extensions.code ?? formatted.extensions?.code ?? 'GRAPHQL_VALIDATION_FAILED';
      return { ...formatted, extensions: { ...formatted.extensions, code } };
    }
    logger.error({ err: cause, path }, 'unexpected error in a GraphQL operation');
    return { message: INTERNAL_ERROR.message, locations, path, extensions: { code: INTERNAL_ERROR.code } };
  };
}

export type ErrorFormatter = ReturnType<typeof createErrorFormatter>;
