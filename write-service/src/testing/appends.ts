import { randomUUID } from 'node:crypto';
import type { AppendRequest } from '../ports/event-store.js';

/**
 * The append that opens account `aggregateId` (a new id by default): what the tests of the stores and
 * of the workers that read them append when any event will do. `expectedVersion` other than 0 makes it
 * a later command on the account (refused as a conflict when the account is not at that version).
 */
export const accountOpening = (
  aggregateId: string = randomUUID(),
  { expectedVersion = 0 }: { readonly expectedVersion?: number } = {},
): AppendRequest => ({
  aggregateType: 'Account',
  aggregateId,
  expectedVersion,
  events: [
    {
      eventId: randomUUID(),
      type: 'AccountOpened',
      data: { owner: 'Ada' },
      metadata: {},
      occurredAt: new Date().toISOString(),
    },
  ],
});

/** The append that records deposit `transactionId` as requested (a new transaction). */
export const transactionRequest = (transactionId: string): AppendRequest => ({
  aggregateType: 'Transaction',
  aggregateId: transactionId,
  expectedVersion: 0,
  events: [
    {
      eventId: randomUUID(),
      type: 'TransactionRequested',
      data: { kind: 'DEPOSIT', from: null, to: randomUUID(), amount: '1' },
      metadata: {},
      occurredAt: new Date().toISOString(),
    },
  ],
});

/** The append that settles `transactionId` as succeeded, at `expectedVersion`, with its steps' positions. */
export const transactionSettlement = (
  transactionId: string,
  expectedVersion: number,
  positions: string[],
): AppendRequest => ({
  aggregateType: 'Transaction',
  aggregateId: transactionId,
  expectedVersion,
  events: [
    {
      eventId: randomUUID(),
      type: 'TransactionSucceeded',
      data: { positions },
      metadata: {},
      occurredAt: new Date().toISOString(),
    },
  ],
});
