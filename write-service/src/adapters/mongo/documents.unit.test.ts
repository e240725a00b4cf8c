import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { upcastEvent } from '@ledger/schema';
import type { AppendRequest } from '../../ports/event-store.js';
import { buildEnvelopes } from '../envelopes.js';
import { checkpointId, headsFrom, toEventDocument, toRecordedEvent } from './documents.js';

const request: AppendRequest = {
  aggregateType: 'Account',
  aggregateId: 'acc-1',
  expectedVersion: 3,
  events: [
    {
      eventId: 'e-1',
      type: 'MoneyDeposited',
      data: { amount: '5', balance: '15', transactionId: 't-1', kind: 'DEPOSIT', counterparty: null },
      metadata: { correlationId: 'c-1', idempotencyKey: 'k' },
      occurredAt: '2026-01-02T03:04:05.000Z',
    },
    {
      eventId: 'e-2',
      type: 'MoneyWithdrawn',
      data: { amount: '2', balance: '13', transactionId: 't-2' },
      metadata: {},
      occurredAt: '2026-01-02T03:04:06.000Z',
      // As version 1 recorded it (no kind, no counterparty).
      schemaVersion: 1,
    },
  ],
};

describe('mongo event documents', () => {
  test('buildEnvelopes numbers versions after the aggregate and sequences after the partition head', () => {
    const events = buildEnvelopes(request, 5, 3, 41);
    assert.deepEqual(
      events.map((e) => [e.eventId, e.version, e.position.partition, e.position.sequence, e.schemaVersion]),
      [
        ['e-1', 4, 5, 42, 2],
        ['e-2', 5, 5, 43, 1],
      ],
    );
    assert.equal(events[0]!.aggregateId, 'acc-1');
    assert.equal(events[0]!.aggregateType, 'Account');
    assert.deepEqual(events[0]!.metadata, { correlationId: 'c-1', idempotencyKey: 'k' });
  });

  test('an event survives the trip to a document and back', () => {
    for (const event of buildEnvelopes(request, 2, 0, 0)) {
      const document = toEventDocument(event);
      assert.equal(document._id, event.eventId);
      assert.equal(document.partition, 2);
      assert.equal(document.sequence, event.position.sequence);
      assert.equal('position' in document, false, 'the position is stored flat, so it can be indexed');
      assert.deepEqual(toRecordedEvent(document), upcastEvent(event));
    }
  });

  test('an event of an older schema version is read upcast to the current one', () => {
    const [, withdrawn] = buildEnvelopes(request, 2, 0, 0);
    const read = toRecordedEvent(toEventDocument(withdrawn!));
    assert.equal(read.schemaVersion, 2);
    assert.deepEqual(read.data, { amount: '2', balance: '13', transactionId: 't-2', kind: null, counterparty: null });
  });

  test('checkpoint ids keep workers and partitions apart, whatever the worker is called', () => {
    const ids = [
      checkpointId('saga', 1),
      checkpointId('saga', 11),
      checkpointId('1/saga', 1),
      checkpointId('saga/1', 1),
    ];
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(checkpointId('forwarder', 0), checkpointId('forwarder', 0));
  });

  test('headsFrom fills unknown partitions with 0 and ignores counters outside the partition count', () => {
    assert.deepEqual(
      headsFrom(
        [
          { _id: 2, sequence: 7 },
          { _id: 0, sequence: 3 },
          { _id: 9, sequence: 1 },
        ],
        4,
      ),
      [3, 0, 7, 0],
    );
    assert.deepEqual(headsFrom([], 2), [0, 0]);
  });
});
