import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { LedgerEvent } from '@ledger/schema';
import type { EventSource } from '../../ports/event-source.js';

export interface MemoryEventSource extends EventSource {
  /** Records more events (as the store would commit them: gap-free sequences per partition). */
  append(events: readonly LedgerEvent[]): void;
}

const PAGE_SIZE = 100;

/**
 * An event log held in memory: the EventSource port over an array of recorded events. The array
 * is read live, so events pushed to it later (or through `append`) are replayed too.
 */
export function createMemoryEventSource(
  events: LedgerEvent[] = [],
  options: { partitions?: number } = {},
): MemoryEventSource {
  let closed = false;
  const heads = (): number[] => {
    const result = new Array<number>(options.partitions ?? 0).fill(0);
    for (const { position } of events) {
      while (result.length <= position.partition) result.push(0);
      result[position.partition] = Math.max(result[position.partition]!, position.sequence);
    }
    return result;
  };

  return {
    append(more) {
      events.push(...more);
    },
    async heads() {
      if (closed) throw new Error('event source is closed');
      return heads();
    },
    async progress(checkpoints) {
      if (closed) throw new Error('event source is closed');
      // No forwarder or saga here: the log is all there is, so they stand at the head.
      return heads().map((head, partition) => {
        const after = checkpoints[partition];
        const next =
          after === undefined || after >= head
            ? undefined
            : events.find((e) => e.position.partition === partition && e.position.sequence === after + 1);
        return { partition, head, forwarder: head, saga: head, nextOccurredAt: next?.occurredAt ?? null };
      });
    },
    async *replay(request, signal) {
      if (closed) throw new Error('event source is closed');
      const startHeads = heads();
      const partitions = [...(request.partitions ?? startHeads.keys())].sort((a, b) => a - b);
      const types = request.aggregateTypes && new Set(request.aggregateTypes);
      for (const partition of partitions) {
        const from = request.from?.[partition] ?? 0;
        const to = request.to?.[partition] ?? startHeads[partition] ?? 0;
        const selected = events
          .filter(({ position: { partition: p, sequence } }) => p === partition && sequence > from && sequence <= to)
          .filter((event) => !types || types.has(event.aggregateType))
          .sort((a, b) => a.position.sequence - b.position.sequence);
        for (let start = 0; start < selected.length; start += PAGE_SIZE) {
          signal?.throwIfAborted();
          yield selected.slice(start, start + PAGE_SIZE);
          // Give other work a turn between pages, as a network stream would.
          await yieldToLoop();
        }
      }
    },
    async close() {
      closed = true;
    },
  };
}
