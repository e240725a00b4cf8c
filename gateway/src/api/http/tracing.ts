import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestHandler } from 'express';
import { nameActiveSpan, traced, tracingEnabled } from '@ledger/platform';
import type { TraceCarrier } from '@ledger/platform';

/**
 * Opens the trace of a /graphql request (continuing the caller's `traceparent` when it sends one):
 * everything the operation awaits, the command and its append included, runs inside this span.
 */
export const traceGraphqlRequests: RequestHandler = (request, response, next) => {
  if (!tracingEnabled()) return next();
  const caller: TraceCarrier = {
    traceparent: request.get('traceparent'),
    tracestate: request.get('tracestate'),
  };
  void traced(
    `graphql ${request.method}`,
    { kind: 'server', parent: caller },
    () =>
      new Promise<void>((resolve) => {
        response.once('close', resolve);
        next();
      }),
  );
};

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
