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
