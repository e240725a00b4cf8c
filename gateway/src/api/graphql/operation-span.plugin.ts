import type { ApolloServerPlugin } from '@apollo/server';
import { nameActiveSpan, tracingEnabled } from '@ledger/platform';

/** Names the request's span after the GraphQL operation once it is known. */
export const operationSpanName = (): ApolloServerPlugin => ({
  async requestDidStart() {
    if (!tracingEnabled()) return;
    return {
      async didResolveOperation({ operation, operationName }) {
        const type = operation?.operation ?? 'operation';
        nameActiveSpan(`graphql ${type} ${operationName ?? 'anonymous'}`, {
          'graphql.operation.type': type,
          'graphql.operation.name': operationName ?? '',
        });
      },
    };
  },
});
