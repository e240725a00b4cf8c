import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConcurrencyError, UnavailableError } from '@ledger/platform';
import type { RecordedEvent } from '@ledger/platform';
import type { AppendRequest, AppendResult } from '../ports/event-store.js';
import { buildEnvelopes } from './envelopes.js';
import { appendThenFollowUp } from './follow-up.js';

const event = (type: string, data: unknown) => ({
  eventId: `e-${type}`,
  type,
  data,
  metadata: {},
  occurredAt: '2026-12-07T00:00:00.000Z',
});
const step: AppendRequest = {
  aggregateType: 'Account',
  aggregateId: 'acc-1',
  expectedVersion: 3,
  events: [event('MoneyDeposited', { amount: '5' })],
};
const settlement: AppendRequest = {
  aggregateType: 'Transaction',
  aggregateId: 'tx-1',
  expectedVersion: 1,
  events: [event('TransactionSucceeded', { positions: ['2:9'] })],
};

/** An append per call, each at the next sequence of partition 5, unless `refuse` says otherwise for the request. */
function appender(refuse: (request: AppendRequest) => unknown = () => undefined) {
  const asked: AppendRequest[] = [];
  let head = 40;
  const appendOne = async (request: AppendRequest): Promise<AppendResult> => {
    asked.push(request);
    const refusal = refuse(request);
    if (refusal === 'duplicate') return { status: 'duplicate', record: { key: 'k', fingerprint: 'f', result: '{}' } };
    if (refusal) throw refusal;
    const events: RecordedEvent[] = buildEnvelopes(request, 5, request.expectedVersion, head);
    head += events.length;
    return { status: 'appended', events };
  };
  return { asked, appendOne };
}

test("a follow-up is appended after its lead, with the lead's positions added to its first event", async () => {
  const { asked, appendOne } = appender();
  const result = await appendThenFollowUp(appendOne, { ...step, followedBy: settlement });
  assert.ok(result.status === 'appended');
  assert.deepEqual(
    asked.map((request) => request.aggregateId),
    ['acc-1', 'tx-1'],
  );
  assert.deepEqual(asked[1]!.events[0]!.data, { positions: ['2:9', '5:41'] });
  assert.equal(result.events[0]!.position.sequence, 41);
  assert.ok(result.followedBy?.status === 'appended');
  assert.equal(result.followedBy.events[0]!.position.sequence, 42);
  // The caller's request is left as it was.
  assert.deepEqual(settlement.events[0]!.data, { positions: ['2:9'] });
});

test("a follow-up that fails is reported with the lead's outcome, which stands", async () => {
  for (const error of [new ConcurrencyError('tx-1', 1, 2), new UnavailableError('commit timed out')]) {
    const { appendOne } = appender((request) => (request.aggregateId === 'tx-1' ? error : undefined));
    const result = await appendThenFollowUp(appendOne, { ...step, followedBy: settlement });
    assert.ok(result.status === 'appended');
    assert.equal(result.events[0]!.aggregateId, 'acc-1');
    assert.deepEqual(result.followedBy, { status: 'failed', reason: error.message });
  }
});

test('no follow-up after a lead that appended nothing new or failed', async () => {
  const duplicate = appender((request) => (request.aggregateId === 'acc-1' ? 'duplicate' : undefined));
  const result = await appendThenFollowUp(duplicate.appendOne, { ...step, followedBy: settlement });
  assert.equal(result.status, 'duplicate');
  assert.equal(duplicate.asked.length, 1);

  const conflict = new ConcurrencyError('acc-1', 3, 4);
  const failing = appender((request) => (request.aggregateId === 'acc-1' ? conflict : undefined));
  await assert.rejects(appendThenFollowUp(failing.appendOne, { ...step, followedBy: settlement }), conflict);
  assert.equal(failing.asked.length, 1);
});
