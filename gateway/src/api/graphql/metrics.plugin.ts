import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayMetrics } from '../../ports/metrics.js';

/** Times every GraphQL operation over HTTP and counts those in flight. */
export function operationMetrics<Context extends object>(metrics: GatewayMetrics): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      const started = performance.now();
      metrics.operationStarted();
      let finished = false;
      return {
        async willSendResponse({ operationName, response }) {
          if (finished) return;
          finished = true;
          const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
          const code = errors?.[0]?.extensions?.code;
          metrics.operationFinished(
            operationName ?? 'anonymous',
            typeof code === 'string' ? code : errors?.length ? 'INTERNAL_SERVER_ERROR' : 'OK',
            (performance.now() - started) / 1_000,
          );
        },
      };
    },
  };
}
