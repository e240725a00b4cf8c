import { ValidationError } from '@ledger/platform';
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
 * empties are left out). What the gRPC EventStore streams, and what a reader in the same process
 * takes directly.
 */
export async function* replayPages(
  store: EventStore,
  request: ReplayPagesRequest,
  pageSize: number,
  cancelled: () => boolean = () => false,
): AsyncGenerator<WireEvent[]> {
  const partitions = selectPartitions(request.partitions ?? [], store.partitions);
  const types = new Set(request.aggregateTypes);
  const heads = await store.heads();
  for (const partition of partitions) {
    let after = request.from?.[partition] ?? 0;
    const last = request.to?.[partition] ?? heads[partition] ?? 0;
    while (after < last && !cancelled()) {
      const read = await store.readPartitionWire(partition, after, Math.min(pageSize, last - after));
      if (read.length === 0) break;
      const page = types.size === 0 ? read : read.filter((event) => types.has(event.aggregateType));
      if (page.length > 0) yield page;
      after = read.at(-1)!.sequence;
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
