import { z } from 'zod';
import type { EventMetadata, RecordedEvent } from '@ledger/platform';
import type { LedgerEvent, LedgerEventData } from './events.js';
import { SCHEMA_VERSIONS } from './events.js';

const money = z.string().regex(/^-?\d+$/);
const id = z.string().min(1);

const moneyMoved = {
  amount: money,
  balance: money,
  transactionId: id,
  kind: z.enum(['DEPOSIT', 'WITHDRAWAL', 'TRANSFER']).nullable(),
  counterparty: id.nullable(),
};

/** The data of each type at its current schema version (SCHEMA_VERSIONS). */
const dataSchemas: Record<LedgerEventData['type'], z.ZodType> = {
  AccountOpened: z.object({ owner: z.string().min(1) }),
  MoneyDeposited: z.object({ ...moneyMoved, refund: z.boolean().optional() }),
  MoneyWithdrawn: z.object(moneyMoved),
  OwnerChanged: z.object({ owner: z.string().min(1) }),
  AccountClosed: z.object({}),
  TransactionRequested: z.object({
    kind: z.enum(['DEPOSIT', 'WITHDRAWAL', 'TRANSFER']),
    from: id.nullable(),
    to: id.nullable(),
    amount: money,
  }),
  TransactionSucceeded: z.object({ positions: z.array(z.string()) }),
  TransactionFailed: z.object({ reason: z.string(), positions: z.array(z.string()) }),
};

type Upcaster = (data: Record<string, unknown>) => Record<string, unknown>;

/**
 * `UPCASTERS[type][n]` turns data of version n into version n + 1. Stored events are never
 * rewritten: they are upcast as they are read, so every reader sees only the current shapes.
 */
const UPCASTERS: Partial<Record<LedgerEventData['type'], Readonly<Record<number, Upcaster>>>> = {
  // Version 1 did not record the kind of transaction nor the other account; readers that need them
  // find them on the transaction (`kind: null` says so).
  MoneyDeposited: { 1: (data) => ({ ...data, kind: null, counterparty: null }) },
  MoneyWithdrawn: { 1: (data) => ({ ...data, kind: null, counterparty: null }) },
};

// Every field of EventMetadata: an object schema drops keys it does not list, and a replay that lost
// `actor` would rebuild transactions without who asked for them.
const metadataSchema = z.object({
  correlationId: z.string().optional(),
  causationId: z.string().optional(),
  idempotencyKey: z.string().optional(),
  actor: z.string().optional(),
  requestId: z.string().optional(),
  traceparent: z.string().optional(),
  tracestate: z.string().optional(),
});

/** The flat, serialisable form of an event: what the embedded store rows and gRPC messages hold. */
export interface WireEvent {
  readonly eventId: string;
  readonly aggregateType: string;
  readonly aggregateId: string;
  readonly version: number;
  readonly type: string;
  readonly schemaVersion: number;
  readonly dataJson: string;
  readonly metadataJson: string;
  readonly occurredAt: string;
  readonly partition: number;
  readonly sequence: number;
}

export class EventDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EventDecodeError';
  }
}

export function isKnownEventType(type: string): type is LedgerEventData['type'] {
  return Object.hasOwn(dataSchemas, type);
}

/** Data of `type` at `schemaVersion`, brought up to the type's current version. */
function upcastData(type: LedgerEventData['type'], schemaVersion: number, data: unknown): unknown {
  const current = SCHEMA_VERSIONS[type];
  if (schemaVersion > current) {
    throw new EventDecodeError(`${type} has schema version ${schemaVersion}, newer than ${current}`);
  }
  let upcast = data;
  for (let version = schemaVersion; version < current; version++) {
    const upcaster = UPCASTERS[type]?.[version];
    if (!upcaster || typeof upcast !== 'object' || upcast === null) {
      throw new EventDecodeError(`${type} of schema version ${version} cannot be upcast`);
    }
    upcast = upcaster(upcast as Record<string, unknown>);
  }
  return upcast;
}

/** The current schema version of an event type (new events are recorded with it). */
export function schemaVersionOf(type: string): number {
  return isKnownEventType(type) ? SCHEMA_VERSIONS[type] : 1;
}

/**
 * A stored event as this code reads it: data of an older schema version upcast to the current one.
 * Types this version does not know pass through unchanged (readers skip them).
 */
export function upcastEvent<E extends RecordedEvent>(event: E): E {
  if (!isKnownEventType(event.type) || event.schemaVersion === SCHEMA_VERSIONS[event.type]) return event;
  return {
    ...event,
    schemaVersion: SCHEMA_VERSIONS[event.type],
    data: upcastData(event.type, event.schemaVersion, event.data),
  };
}

/**
 * Validates an event's data (at `schemaVersion`, the current one by default) against its type's
 * schema, after upcasting it; used before append and after read. Returns the current shape.
 */
export function validateEventData(type: string, data: unknown, schemaVersion?: number): LedgerEventData {
  if (!isKnownEventType(type)) throw new EventDecodeError(`unknown event type "${type}"`);
  const parsed = dataSchemas[type].safeParse(upcastData(type, schemaVersion ?? SCHEMA_VERSIONS[type], data));
  if (!parsed.success) throw new EventDecodeError(`invalid ${type} data: ${parsed.error.message}`);
  return { type, data: parsed.data } as LedgerEventData;
}

export function encodeEvent(event: RecordedEvent): WireEvent {
  return {
    eventId: event.eventId,
    aggregateType: event.aggregateType,
    aggregateId: event.aggregateId,
    version: event.version,
    type: event.type,
    schemaVersion: event.schemaVersion,
    dataJson: JSON.stringify(event.data),
    metadataJson: JSON.stringify(event.metadata),
    occurredAt: event.occurredAt,
    partition: event.position.partition,
    sequence: event.position.sequence,
  };
}

/** A wire event as the current shapes (older schema versions upcast); throws EventDecodeError. */
export function decodeEvent(wire: WireEvent): LedgerEvent {
  let data: unknown;
  let metadata: unknown;
  try {
    data = JSON.parse(wire.dataJson);
    metadata = JSON.parse(wire.metadataJson || '{}');
  } catch {
    throw new EventDecodeError(`event ${wire.eventId} holds malformed JSON`);
  }
  let typed: LedgerEventData;
  try {
    typed = validateEventData(wire.type, data, Number(wire.schemaVersion));
  } catch (error) {
    if (error instanceof EventDecodeError) throw new EventDecodeError(`event ${wire.eventId}: ${error.message}`);
    throw error;
  }
  const meta = metadataSchema.safeParse(metadata);
  if (!meta.success) throw new EventDecodeError(`event ${wire.eventId} holds malformed metadata`);
  return {
    eventId: wire.eventId,
    aggregateType: wire.aggregateType,
    aggregateId: wire.aggregateId,
    version: Number(wire.version),
    type: typed.type,
    schemaVersion: SCHEMA_VERSIONS[typed.type],
    data: typed.data,
    metadata: meta.data as EventMetadata,
    occurredAt: wire.occurredAt,
    position: { partition: Number(wire.partition), sequence: Number(wire.sequence) },
  } as LedgerEvent;
}
