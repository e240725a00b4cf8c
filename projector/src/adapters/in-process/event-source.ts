import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { decodeEvent } from '@ledger/schema';
import type { WireEvent } from '@ledger/schema';
import type { EventSource, LogProgress, ReplayRequest } from '../../ports/event-source.js';

/** The write service's EventStore API as its gRPC server serves it, for a caller in the same process. */
export interface LocalEventLog {
  /** What the gRPC ReplayPages call streams: a page per store query, in wire form. */
  replayPages(request: ReplayRequest): AsyncIterable<readonly WireEvent[]>;
  heads(): Promise<number[]>;
  progress(checkpoints: readonly number[]): Promise<LogProgress[]>;
}

/**
 * The write service's event log called directly, for a projector in the same process (`ledger all`):
 * the same pages, decoded the same way, as the gRPC adapter yields, without encoding them for a
 * loopback connection only to decode them again. Between processes the gRPC adapter stays the path.
 */
export function createInProcessEventSource(log: LocalEventLog): EventSource {
  return {
    async *replay(request, signal) {
      signal?.throwIfAborted();
      for await (const page of log.replayPages(request)) {
        yield page.map(decodeEvent);
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
