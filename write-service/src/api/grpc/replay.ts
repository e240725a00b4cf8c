import type * as grpc from '@grpc/grpc-js';
import { ValidationError } from '@ledger/platform';
import type { Logger } from '@ledger/platform';
import { encodeEvent } from '@ledger/schema';
import type { GrpcEvent, GrpcReplayRequest } from '@ledger/schema';
import type { EventStore } from '../../ports/event-store.js';
import { toGrpcStatus } from './status.js';

type ReplayCall = grpc.ServerWritableStream<GrpcReplayRequest, GrpcEvent>;

export interface ReplayOptions {
  readonly store: EventStore;
  readonly logger: Logger;
  /** Events read from the store per query. */
  readonly pageSize: number;
}

/**
 * Streams committed events partition by partition (ascending), each by sequence, up to the bounds
 * fixed when the call starts. Reads the store a page at a time and waits for the stream to drain,
 * so a slow reader never makes the server buffer the whole log.
 */
export function replayHandler(options: ReplayOptions): grpc.handleServerStreamingCall<GrpcReplayRequest, GrpcEvent> {
  return (call) => {
    streamEvents(call, options).then(
      () => {
        if (!call.cancelled) call.end();
      },
      (error: unknown) => {
        if (!call.cancelled) call.emit('error', toGrpcStatus(error, options.logger, call.getPath()));
      },
    );
  };
}

async function streamEvents(call: ReplayCall, { store, pageSize }: ReplayOptions): Promise<void> {
  const request = call.request;
  const partitions = selectPartitions(request.partitions, store.partitions);
  const types = new Set(request.aggregateTypes);
  const heads = await store.heads();
  nextPartition: for (const partition of partitions) {
    let after = request.fromPositions[partition] ?? 0;
    const last = request.toPositions[partition] ?? heads[partition] ?? 0;
    while (after < last && !call.cancelled) {
      const page = await store.readPartition(partition, after, Math.min(pageSize, last - after));
      if (page.length === 0) break;
      for (const event of page) {
        if (event.position.sequence > last) continue nextPartition;
        after = event.position.sequence;
        if (types.size > 0 && !types.has(event.aggregateType)) continue;
        if (!call.write(encodeEvent(event))) await drained(call);
        if (call.cancelled) return;
      }
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
function drained(call: ReplayCall): Promise<void> {
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
