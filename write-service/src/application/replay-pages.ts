import { ValidationError } from '@ledger/platform/core';
import type { RecordedEvent } from '@ledger/platform';
import type { WireEvent } from '@ledger/schema';
import type { EventStore } from '../ports/event-store.js';

/** Which events a replay streams (the fields of the gRPC ReplayRequest). */
export interface ReplayPagesRequest {
  /** Events above these sequences (partition -> sequence); absent partitions start at 0. */
  readonly from?: Readonly<Record<number, number>>;
  /** Inclusive upper bounds; absent partitions end at their head when the replay starts. */
  readonly to?: Readonly<Record<number, number>>;
  /** Only these partitions (empty or absent: all). */
  readonly partitions?: readonly number[];
  /** Only these aggregate types (empty or absent: all). */
  readonly aggregateTypes?: readonly string[];
}

/**
 * The committed events a replay asks for, in wire form, partition by partition (ascending), each by
 * sequence, up to the bounds fixed when it starts: a page per store query (pages the type filter
 * empties are left out). What the gRPC EventStore streams.
 */
export function replayPages(
  store: EventStore,
  request: ReplayPagesRequest,
  pageSize: number,
  cancelled: () => boolean = () => false,
): AsyncGenerator<WireEvent[]> {
  return pagesOf(store, request, pageSize, cancelled, (partition, after, limit) =>
    store.readPartitionWire(partition, after, limit),
  );
}

/**
 * The same pages as `replayPages`, as the store reads its events (current shapes, as the workers
 * next to it see them), for a reader in the same process: no wire form to decode again, and no
 * second check of data the store checked before it appended it.
 */
export function replayEvents(
  store: EventStore,
  request: ReplayPagesRequest,
  pageSize: number,
): AsyncGenerator<RecordedEvent[]> {
  return pagesOf(
    store,
    request,
    pageSize,
    () => false,
    (partition, after, limit) => store.readPartition(partition, after, limit),
  );
}

type Paged = { readonly aggregateType: string } & ({ readonly sequence: number } | RecordedEvent);

const sequenceOf = (event: Paged): number => ('position' in event ? event.position.sequence : event.sequence);

async function* pagesOf<E extends Paged>(
  store: EventStore,
  request: ReplayPagesRequest,
  pageSize: number,
  cancelled: () => boolean,
  read: (partition: number, afterSequence: number, limit: number) => Promise<E[]>,
): AsyncGenerator<E[]> {
  const partitions = selectPartitions(request.partitions ?? [], store.partitions);
  const types = new Set(request.aggregateTypes);
  const heads = await store.heads();
  for (const partition of partitions) {
    let after = request.from?.[partition] ?? 0;
    const last = request.to?.[partition] ?? heads[partition] ?? 0;
    while (after < last && !cancelled()) {
      const events = await read(partition, after, Math.min(pageSize, last - after));
      if (events.length === 0) break;
      const page = types.size === 0 ? events : events.filter((event) => types.has(event.aggregateType));
      if (page.length > 0) yield page;
      after = sequenceOf(events.at(-1)!);
    }
  }
}

function selectPartitions(requested: readonly number[], count: number): number[] {
  if (requested.length === 0) return Array.from({ length: count }, (_, partition) => partition);
  for (const partition of requested) {
    if (!Number.isInteger(partition) || partition < 0 || partition >= count) {
      throw new ValidationError(`partition ${partition} is out of range 0..${count - 1}`);
    }
  }
  return [...new Set(requested)].sort((a, b) => a - b);
}
