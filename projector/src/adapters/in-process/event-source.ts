import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { RecordedEvent } from '@ledger/platform';
import { isKnownEventType } from '@ledger/schema/events';
import type { LedgerEvent } from '@ledger/schema/events';
import type { EventSource, LogProgress, ReplayRequest } from '../../ports/event-source.js';

/** The write service's EventStore API as its gRPC server serves it, for a caller in the same process. */
export interface LocalEventLog {
  /**
   * The pages the gRPC ReplayPages call streams (a page per store query), as the store reads them:
   * current shapes, the data checked when it was appended.
   */
  replay(request: ReplayRequest): AsyncIterable<readonly RecordedEvent[]>;
  heads(): Promise<number[]>;
  progress(checkpoints: readonly number[]): Promise<LogProgress[]>;
}

/**
 * The write service's event log called directly, for a projector in the same process (`ledger all`):
 * the same pages as the gRPC adapter yields, taken as the store reads them, as the workers next to
 * it do, without a wire form to encode and decode, nor a second check of every event's data against
 * its schema (the gRPC adapter checks what crosses between processes). Events of types this version
 * does not know are left out, as the projection skips them (the gRPC adapter's decoding refuses
 * them). Between processes the gRPC adapter stays the path.
 */
export function createInProcessEventSource(log: LocalEventLog): EventSource {
  return {
    async *replay(request, signal) {
      signal?.throwIfAborted();
      for await (const page of log.replay(request)) {
        yield page.filter((event) => isKnownEventType(event.type)) as LedgerEvent[];
        // The store reads synchronously: without a turn of the event loop between pages, a replay
        // would hold up every request and live commit until it ends (a network stream yields by itself).
        await yieldToLoop();
        signal?.throwIfAborted();
      }
    },
    heads: () => log.heads(),
    progress: (checkpoints) => log.progress(checkpoints),
    // The log belongs to the write-service role, which closes its own parts.
    async close() {},
  };
}
