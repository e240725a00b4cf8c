import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventDecodeError, decodeEvent, encodeEvent, schemaVersionOf, upcastEvent } from './codec.js';
import type { WireEvent } from './codec.js';

const wire = (type: string, schemaVersion: number, data: unknown): WireEvent => ({
  eventId: 'e-1',
  aggregateType: 'Account',
  aggregateId: 'a-1',
  version: 2,
  type,
  schemaVersion,
  dataJson: JSON.stringify(data),
  metadataJson: '{}',
  occurredAt: '2026-01-02T03:04:05.000Z',
  partition: 1,
  sequence: 7,
});

describe('event codec', () => {
  test('MoneyDeposited and MoneyWithdrawn are at version 2, the other types at 1', () => {
    assert.equal(schemaVersionOf('MoneyDeposited'), 2);
    assert.equal(schemaVersionOf('MoneyWithdrawn'), 2);
    assert.equal(schemaVersionOf('AccountOpened'), 1);
  });

  test('a version 1 deposit is decoded as version 2 with kind and counterparty not recorded', () => {
    const event = decodeEvent(
      wire('MoneyDeposited', 1, { amount: '5', balance: '5', transactionId: 't', refund: true }),
    );
    assert.equal(event.schemaVersion, 2);
    assert.deepEqual(event.data, {
      amount: '5',
      balance: '5',
      transactionId: 't',
      refund: true,
      kind: null,
      counterparty: null,
    });
  });

  test('a version 2 event round-trips unchanged', () => {
    const data = { amount: '3', balance: '2', transactionId: 't', kind: 'TRANSFER', counterparty: 'b-1' };
    const event = decodeEvent(wire('MoneyWithdrawn', 2, data));
    assert.deepEqual(event.data, data);
    assert.deepEqual(decodeEvent(encodeEvent(event)), event);
  });

  test('metadata keeps every field events record (who asked, the request, the trace)', () => {
    const metadata = {
      correlationId: 'c',
      causationId: 'd',
      idempotencyKey: 'k',
      actor: 'user-1',
      requestId: 'r-1',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      tracestate: 'x=1',
    };
    const event = decodeEvent({
      ...wire('AccountOpened', 1, { owner: 'Ada' }),
      metadataJson: JSON.stringify(metadata),
    });
    assert.deepEqual(event.metadata, metadata);
  });

  test('upcastEvent leaves current and unknown types alone', () => {
    const current = decodeEvent(wire('AccountOpened', 1, { owner: 'Ada' }));
    assert.equal(upcastEvent(current), current);
    const unknown = { ...current, type: 'SomethingNew', schemaVersion: 9 } as unknown as typeof current;
    assert.equal(upcastEvent(unknown), unknown);
  });

  test('refuses a version newer than this code, and data that does not upcast to a valid shape', () => {
    assert.throws(
      () => decodeEvent(wire('MoneyDeposited', 3, { amount: '5', balance: '5', transactionId: 't' })),
      (error: unknown) =>
        error instanceof EventDecodeError && /e-1: MoneyDeposited has schema version 3/.test(error.message),
    );
    assert.throws(
      () => decodeEvent(wire('MoneyWithdrawn', 1, { amount: 'five', balance: '5', transactionId: 't' })),
      EventDecodeError,
    );
  });
});
