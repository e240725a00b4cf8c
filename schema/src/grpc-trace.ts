import * as grpc from '@grpc/grpc-js';
import { currentTraceCarrier, tracingEnabled } from '@ledger/platform';
import type { TraceCarrier } from '@ledger/platform';

// W3C trace context in gRPC metadata, as the OpenTelemetry gRPC instrumentation carries it.

/** Client interceptor: each call carries the caller's active trace context (nothing when tracing is off). */
export const traceContextInterceptor: grpc.Interceptor = (options, nextCall) =>
  new grpc.InterceptingCall(nextCall(options), {
    start(metadata, listener, next) {
      const carrier = currentTraceCarrier();
      if (carrier?.traceparent) metadata.set('traceparent', carrier.traceparent);
      if (carrier?.tracestate) metadata.set('tracestate', carrier.tracestate);
      next(metadata, listener);
    },
  });

const text = (metadata: grpc.Metadata, key: string): string | undefined => {
  const value = metadata.get(key)[0];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

/** Server side: the trace context a call arrived with. */
export function traceFromGrpc(metadata: grpc.Metadata): TraceCarrier | undefined {
  if (!tracingEnabled()) return undefined;
  return { traceparent: text(metadata, 'traceparent'), tracestate: text(metadata, 'tracestate') };
}
