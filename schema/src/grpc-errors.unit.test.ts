import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import {
  ConcurrencyError,
  ForbiddenError,
  IdempotencyMismatchError,
  IllegalStateError,
  NotFoundError,
  UnauthenticatedError,
  UnavailableError,
  ValidationError,
} from '@ledger/platform';
import type { LedgerError } from '@ledger/platform';
import { ledgerErrorFromGrpc, ledgerErrorToStatus } from './grpc-errors.js';

/** What a grpc-js client hands its callback for a failed call with this status. */
const received = (status: { code: grpc.status; details: string; metadata: grpc.Metadata }): grpc.ServiceError =>
  Object.assign(new Error(`${status.code} ${grpc.status[status.code]}: ${status.details}`), status);

test('every LedgerError crosses gRPC as the same class, code, message and fields', () => {
  const cases: Array<[LedgerError, grpc.status]> = [
    [new ValidationError('amount must be positive'), grpc.status.INVALID_ARGUMENT],
    [new NotFoundError('account a-1 not found'), grpc.status.NOT_FOUND],
    [new IdempotencyMismatchError('key-1'), grpc.status.ALREADY_EXISTS],
    [new IllegalStateError('account is closed'), grpc.status.FAILED_PRECONDITION],
    [new UnavailableError('try again'), grpc.status.UNAVAILABLE],
    [new ConcurrencyError('a-1', 3, 4), grpc.status.ABORTED],
    [new UnauthenticatedError('a command needs an actor'), grpc.status.UNAUTHENTICATED],
    [new ForbiddenError('not your account'), grpc.status.PERMISSION_DENIED],
  ];
  for (const [error, code] of cases) {
    const status = ledgerErrorToStatus(error);
    assert.equal(status.code, code, error.name);
    const restored = ledgerErrorFromGrpc(received(status));
    assert.equal(restored.constructor, error.constructor);
    assert.deepEqual({ ...restored, message: restored.message }, { ...error, message: error.message });
  }
});

test('transport failures become UnavailableError without the transport text', () => {
  for (const code of [grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED]) {
    const details = 'connect ECONNREFUSED 10.0.0.7:50051';
    const restored = ledgerErrorFromGrpc(received({ code, details, metadata: new grpc.Metadata() }));
    assert.ok(restored instanceof UnavailableError);
    assert.doesNotMatch(restored.message, /10\.0\.0\.7/);
  }
});

test('other statuses stay plain errors with the details the server chose', () => {
  const restored = ledgerErrorFromGrpc(
    received({ code: grpc.status.INTERNAL, details: 'internal error', metadata: new grpc.Metadata() }),
  );
  assert.equal(restored.constructor, Error);
  assert.equal(restored.message, 'internal error');
});
