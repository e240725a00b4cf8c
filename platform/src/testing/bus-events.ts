import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '../envelope.js';

/**
 * A deposit on account `acc-<partition>` at `partition:sequence`, with an event id of its own (JetStream
 * drops a second message with the same id), for the buses' own tests.
 */
export const depositAt = (partition: number, sequence: number): RecordedEvent => ({
  eventId: `${partition}-${sequence}-${randomUUID()}`,
  aggregateType: 'Account',
  aggregateId: `acc-${partition}`,
  version: sequence,
  type: 'MoneyDeposited',
  schemaVersion: 1,
  data: { amount: '100' },
  metadata: {},
  occurredAt: new Date(0).toISOString(),
  position: { partition, sequence },
});
