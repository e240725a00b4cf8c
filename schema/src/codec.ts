import { z } from 'zod';
import type { EventMetadata, RecordedEvent } from '@ledger/platform';
import type { LedgerEvent, LedgerEventData } from './events.js';
import { SCHEMA_VERSION } from './events.js';

const money = z.string().regex(/^-?\d+$/);
const id = z.string().min(1);

const dataSchemas: Record<LedgerEventData['type'], z.ZodType> = {
  AccountOpened: z.object({ owner: z.string().min(1) }),
  MoneyDeposited: z.object({ amount: money, balance: money, transactionId: id, refund: z.boolean().optional() }),
  MoneyWithdrawn: z.object({ amount: money, balance: money, transactionId: id }),
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

const metadataSchema = z.object({
  correlationId: z.string().optional(),
  causationId: z.string().optional(),
  idempotencyKey: z.string().optional(),
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

/** Validates an event's data against its type's schema (used before append and after read). */
export function validateEventData(type: string, data: unknown): LedgerEventData {
  if (!isKnownEventType(type)) throw new EventDecodeError(`unknown event type "${type}"`);
  const parsed = dataSchemas[type].safeParse(data);
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

export function decodeEvent(wire: WireEvent): LedgerEvent {
  if (wire.schemaVersion > SCHEMA_VERSION) {
    throw new EventDecodeError(
      `event ${wire.eventId} has schema version ${wire.schemaVersion}, newer than ${SCHEMA_VERSION}`,
    );
  }
  let data: unknown;
  let metadata: unknown;
  try {
    data = JSON.parse(wire.dataJson);
    metadata = JSON.parse(wire.metadataJson || '{}');
  } catch {
    throw new EventDecodeError(`event ${wire.eventId} holds malformed JSON`);
  }
  const typed = validateEventData(wire.type, data);
  const meta = metadataSchema.safeParse(metadata);
  if (!meta.success) throw new EventDecodeError(`event ${wire.eventId} holds malformed metadata`);
  return {
    eventId: wire.eventId,
    aggregateType: wire.aggregateType,
    aggregateId: wire.aggregateId,
    version: Number(wire.version),
    type: typed.type,
    schemaVersion: SCHEMA_VERSION,
    data: typed.data,
    metadata: meta.data as EventMetadata,
    occurredAt: wire.occurredAt,
    position: { partition: Number(wire.partition), sequence: Number(wire.sequence) },
  } as LedgerEvent;
}
