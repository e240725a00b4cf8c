import type * as grpc from '@grpc/grpc-js';
import type { Logger } from '@ledger/platform';
import type { GrpcEvent, GrpcEventPage, GrpcReplayRequest, WireEvent } from '@ledger/schema';
import type { EventStore } from '../../ports/event-store.js';
import { replayPages } from '../../application/replay-pages.js';
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
 * Streams the pages of `replayPages`, waiting for the stream to drain, so a slow reader never makes
 * the server buffer the whole log.
 */
function streaming<Message>(
  options: ReplayOptions,
  /** Writes one page; returns false when the stream wants the writer to wait for 'drain'. */
  write: (call: grpc.ServerWritableStream<GrpcReplayRequest, Message>, page: WireEvent[]) => boolean,
): Handler<Message> {
  return (call) => {
    const stream = async () => {
      const { fromPositions: from, toPositions: to, partitions, aggregateTypes } = call.request;
      const request = { from, to, partitions, aggregateTypes };
      for await (const page of replayPages(options.store, request, options.pageSize, () => call.cancelled)) {
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
