import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { IllegalStateError, NotFoundError, ValidationError } from '@ledger/platform';
import type { TransactionEvent } from '@ledger/schema';
import { decodeTransactionState, encodeTransactionState, transactionDecider } from './transaction.js';
import { evolveAll } from './decider.js';
import { deciderSpec } from '../testing/decider-spec.js';

const { given } = deciderSpec(transactionDecider);
const requested: TransactionEvent = {
  type: 'TransactionRequested',
  data: { kind: 'TRANSFER', from: 'a', to: 'b', amount: '10' },
};
const succeeded: TransactionEvent = { type: 'TransactionSucceeded', data: { positions: ['1:2', '3:4'] } };
const failed: TransactionEvent = { type: 'TransactionFailed', data: { reason: 'insufficient funds', positions: [] } };

describe('transaction decider', () => {
  test('a request is recorded as pending', () => {
    given([]).when({ type: 'Request', kind: 'TRANSFER', from: 'a', to: 'b', amount: 10n }).then([requested]);
    assert.equal(evolveAll(transactionDecider, [requested]).status, 'PENDING');
  });

  test('each kind names its accounts', () => {
    given([])
      .when({ type: 'Request', kind: 'DEPOSIT', from: null, to: 'b', amount: 1n })
      .then([{ type: 'TransactionRequested', data: { kind: 'DEPOSIT', from: null, to: 'b', amount: '1' } }]);
    given([]).when({ type: 'Request', kind: 'DEPOSIT', from: 'a', to: 'b', amount: 1n }).then(ValidationError);
    given([]).when({ type: 'Request', kind: 'WITHDRAWAL', from: null, to: 'b', amount: 1n }).then(ValidationError);
    given([]).when({ type: 'Request', kind: 'TRANSFER', from: 'a', to: 'a', amount: 1n }).then(ValidationError);
    given([]).when({ type: 'Request', kind: 'TRANSFER', from: 'a', to: 'b', amount: 0n }).then(ValidationError);
  });

  test('refuses a second request', () => {
    given([requested])
      .when({ type: 'Request', kind: 'TRANSFER', from: 'a', to: 'b', amount: 10n })
      .then(IllegalStateError);
  });

  test('succeeds or fails once', () => {
    given([requested])
      .when({ type: 'Succeed', positions: ['1:2', '3:4'] })
      .then([succeeded]);
    given([requested]).when({ type: 'Fail', reason: 'insufficient funds', positions: [] }).then([failed]);
    given([requested, succeeded]).when({ type: 'Fail', reason: 'late', positions: [] }).then(IllegalStateError);
    given([requested, failed])
      .when({ type: 'Succeed', positions: [] })
      .then(IllegalStateError, /FAILED/);
    given([requested]).when({ type: 'Fail', reason: ' ', positions: [] }).then(ValidationError);
  });

  test('an unknown transaction cannot settle', () => {
    given([]).when({ type: 'Succeed', positions: [] }).then(NotFoundError);
  });

  test('evolve keeps the outcome; snapshots round-trip', () => {
    const state = evolveAll(transactionDecider, [requested, failed]);
    assert.equal(state.status, 'FAILED');
    assert.equal(state.failureReason, 'insufficient funds');
    assert.equal(state.amount, 10n);
    assert.equal(state.version, 2);
    assert.deepEqual(decodeTransactionState(encodeTransactionState(state)), state);
  });
});
