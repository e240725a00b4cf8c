import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Attributes, Context, Span, TextMapGetter } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-node';

// One trace per command, from the GraphQL operation to the subscription push. The context crosses
// processes as W3C trace context: in gRPC metadata, in each event's metadata (so the saga, the forwarder
// and the projector continue the trace that wrote the event), in NATS headers and in notifications.
// Without an exporter nothing is registered and the SDK is not even loaded: every helper below is then
// a plain call (no spans, no context objects, nothing injected), which keeps tracing free when it is off.

/** W3C trace context as it travels in carriers (gRPC metadata, event metadata, NATS headers). */
export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

let enabled = false;
const tracer = () => trace.getTracer('ledger');

export const tracingEnabled = (): boolean => enabled;

export interface TracingOptions {
  readonly serviceName: string;
  /** OTLP/HTTP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT); traces go to `<endpoint>/v1/traces`. */
  readonly endpoint?: string;
  /** An exporter of its own (tests use the SDK's InMemorySpanExporter); spans are exported one by one. */
  readonly exporter?: SpanExporter;
}

export interface Tracing {
  /** Exports what is buffered and unregisters. */
  shutdown(): Promise<void>;
  forceFlush(): Promise<void>;
}

/** Registers a tracer provider when there is somewhere to send spans; otherwise tracing stays off. */
export async function startTracing(options: TracingOptions): Promise<Tracing> {
  if (!options.endpoint && !options.exporter)
    return { shutdown: async () => undefined, forceFlush: async () => undefined };
  const [{ W3CTraceContextPropagator }, { resourceFromAttributes }, sdk] = await Promise.all([
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace-node'),
  ]);
  const { BatchSpanProcessor, NodeTracerProvider, SimpleSpanProcessor } = sdk;
  const { OTLPTraceExporter } = options.exporter
    ? { OTLPTraceExporter: undefined }
    : await import('@opentelemetry/exporter-trace-otlp-http');
  const processor = options.exporter
    ? new SimpleSpanProcessor(options.exporter)
    : new BatchSpanProcessor(new OTLPTraceExporter!({ url: `${options.endpoint!.replace(/\/$/, '')}/v1/traces` }));
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    spanProcessors: [processor],
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  enabled = true;
  return {
    forceFlush: () => provider.forceFlush(),
    async shutdown() {
      enabled = false;
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

const carrierGetter: TextMapGetter<TraceCarrier> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => (key === 'traceparent' || key === 'tracestate' ? carrier[key] : undefined),
};

/** The active trace context as a carrier, or undefined when tracing is off or no span is active. */
export function currentTraceCarrier(): TraceCarrier | undefined {
  if (!enabled) return undefined;
  const carrier: TraceCarrier = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ? carrier : undefined;
}

/** The context a carrier stands for (the active one when it carries none). */
export function contextOf(carrier: TraceCarrier | undefined): Context {
  if (!enabled || !carrier?.traceparent) return context.active();
  return propagation.extract(context.active(), carrier, carrierGetter);
}

export interface SpanOptions {
  readonly attributes?: Attributes;
  /** Continue this trace instead of the active one (an event's or a message's context). */
  readonly parent?: TraceCarrier;
  readonly kind?: 'server' | 'client' | 'producer' | 'consumer' | 'internal';
}

const KINDS = {
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
  internal: SpanKind.INTERNAL,
} as const;

/** Runs `work` inside a span (active for everything it awaits); errors mark the span and pass on. */
export function traced<T>(name: string, options: SpanOptions, work: (span?: Span) => Promise<T>): Promise<T> {
  if (!enabled) return work();
  const parent = options.parent ? contextOf(options.parent) : context.active();
  return tracer().startActiveSpan(
    name,
    { kind: KINDS[options.kind ?? 'internal'], attributes: options.attributes },
    parent,
    async (span) => {
      try {
        return await work(span);
      } catch (error) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** Renames the active span (the HTTP request's span once GraphQL knows the operation). */
export function nameActiveSpan(name: string, attributes?: Attributes): void {
  if (!enabled) return;
  const span = trace.getActiveSpan();
  span?.updateName(name);
  if (attributes) span?.setAttributes(attributes);
}

/** Records a span that already happened (e.g. one event's share of a batch), as a child of `parent`. */
export function recordSpan(
  name: string,
  parent: TraceCarrier | undefined,
  startedAt: number,
  attributes?: Attributes,
): void {
  if (!enabled || !parent?.traceparent) return;
  tracer().startSpan(name, { startTime: startedAt, attributes }, contextOf(parent)).end();
}
