import type * as grpc from '@grpc/grpc-js';
import { ValidationError } from '@ledger/platform';
import type { Logger } from '@ledger/platform';
import type { GrpcEvent, GrpcEventPage, GrpcReplayRequest, WireEvent } from '@ledger/schema';
import type { EventStore } from '../../ports/event-store.js';
import { toGrpcStatus } from './status.js';

export interface ReplayOptions {
  readonly store: EventStore;
  readonly logger: Logger;
  /** Events read from the store per query (and at most per page). */
  readonly pageSize: number;
}

type Handler<Message> = grpc.handleServerStreamingCall<GrpcReplayRequest, Message>;

/** Replay: the committed events, a message per event. */
export function replayHandler(options: ReplayOptions): Handler<GrpcEvent> {
  return streaming(options, (call, page) => {
    let ready = true;
    for (const event of page) ready = call.write(event);
    return ready;
  });
}

/** ReplayPages: the events of Replay, a message per page of the store (one partition's run). */
export function replayPagesHandler(options: ReplayOptions): Handler<GrpcEventPage> {
  return streaming(options, (call, events) => call.write({ events }));
}

/**
 * Streams committed events partition by partition (ascending), each by sequence, up to the bounds
 * fixed when the call starts. Reads the store a page at a time and waits for the stream to drain,
 * so a slow reader never makes the server buffer the whole log.
 */
function streaming<Message>(
  options: ReplayOptions,
  /** Writes one page; returns false when the stream wants the writer to wait for 'drain'. */
  write: (call: grpc.ServerWritableStream<GrpcReplayRequest, Message>, page: WireEvent[]) => boolean,
): Handler<Message> {
  return (call) => {
    const stream = async () => {
      for await (const page of pages(call.request, options.store, options.pageSize, () => call.cancelled)) {
        if (!write(call, page)) await drained(call);
        if (call.cancelled) return;
      }
    };
    stream().then(
      () => {
        if (!call.cancelled) call.end();
      },
      (error: unknown) => {
        if (!call.cancelled) call.emit('error', toGrpcStatus(error, options.logger, call.getPath()));
      },
    );
  };
}

/** The requested events in wire form, a page per store query (pages the type filter empties are left out). */
async function* pages(
  request: GrpcReplayRequest,
  store: EventStore,
  pageSize: number,
  cancelled: () => boolean,
): AsyncGenerator<WireEvent[]> {
  const partitions = selectPartitions(request.partitions, store.partitions);
  const types = new Set(request.aggregateTypes);
  const heads = await store.heads();
  for (const partition of partitions) {
    let after = request.fromPositions[partition] ?? 0;
    const last = request.toPositions[partition] ?? heads[partition] ?? 0;
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

/** Resolves when the stream can take more, or when the client went away (nothing left to wait for). */
function drained(call: grpc.ServerWritableStream<GrpcReplayRequest, unknown>): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      call.off('drain', done);
      call.off('cancelled', done);
      call.off('close', done);
      resolve();
    };
    call.on('drain', done);
    call.on('cancelled', done);
    call.on('close', done);
  });
}
