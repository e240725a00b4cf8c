/** Metadata every event carries for tracing and idempotency. */
export interface EventMetadata {
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly idempotencyKey?: string;
  /** Who asked for the change (the caller's JWT `sub`); absent when authentication is off. */
  readonly actor?: string;
  /** The gateway request that caused it. */
  readonly requestId?: string;
  /** W3C trace context of the span that wrote the event: the saga, forwarder and projector continue it. */
  readonly traceparent?: string;
  readonly tracestate?: string;
}

/** An event as the store recorded it; `data` is the type-specific payload (JSON-safe). */
export interface RecordedEvent<Type extends string = string, Data = unknown> {
  readonly eventId: string;
  readonly aggregateType: string;
  readonly aggregateId: string;
  /** Per aggregate, from 1. */
  readonly version: number;
  readonly type: Type;
  readonly schemaVersion: number;
  readonly data: Data;
  readonly metadata: EventMetadata;
  /** ISO-8601. */
  readonly occurredAt: string;
  readonly position: { readonly partition: number; readonly sequence: number };
}
