import type { RecordedEvent } from '@ledger/platform';
import { schemaVersionOf, validateEventData } from '@ledger/schema/events';
import { formatPosition } from '@ledger/platform/core';
import type { AppendRequest } from '../ports/event-store.js';

/**
 * The envelopes every store adapter gives an append's events: versions follow the aggregate's
 * `currentVersion`, sequences follow the partition's `head` as it stood before this commit.
 */
export function buildEnvelopes(
  request: AppendRequest,
  partition: number,
  currentVersion: number,
  head: number,
): RecordedEvent[] {
  return request.events.map((event, i) => ({
    eventId: event.eventId,
    aggregateType: request.aggregateType,
    aggregateId: request.aggregateId,
    version: currentVersion + i + 1,
    type: event.type,
    schemaVersion: event.schemaVersion ?? schemaVersionOf(event.type),
    data: event.data,
    metadata: event.metadata,
    occurredAt: event.occurredAt,
    position: { partition, sequence: head + i + 1 },
  }));
}

/** `followUp` with the positions of `events` (its lead append's) added to its first event's `positions`. */
export function withLeadPositions(followUp: AppendRequest, events: readonly RecordedEvent[]): AppendRequest {
  const [first, ...rest] = followUp.events;
  if (!first) return followUp;
  const data = first.data as { positions?: unknown };
  const given = Array.isArray(data.positions) ? (data.positions as unknown[]) : [];
  const positions = [...given, ...events.map((event) => formatPosition(event.position))];
  return { ...followUp, events: [{ ...first, data: { ...data, positions } }, ...rest] };
}

/** Checks the data of an append's events and of its follow-up's, before anything is written. */
export function validateAppendData(request: AppendRequest): void {
  for (const event of request.events) validateEventData(event.type, event.data, event.schemaVersion);
  for (const event of request.followedBy?.events ?? []) validateEventData(event.type, event.data, event.schemaVersion);
}
