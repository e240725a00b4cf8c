import * as grpc from '@grpc/grpc-js';
import {
  decodeEvent,
  grpcChannel,
  ledgerErrorFromGrpc,
  loadLedgerProto,
  serviceAuthInterceptors,
} from '@ledger/schema';
import type { EventStoreClient, GrpcEventPageOutput, LedgerEvent } from '@ledger/schema';
import type { EventSource, ReplayRequest } from '../../ports/event-source.js';

export interface GrpcEventSourceOptions {
  /** Write service address, e.g. "localhost:50051". */
  readonly address: string;
  /** Deadline of Checkpoint calls (a replay has none: it lasts as long as the log is long). */
  readonly deadlineMs?: number;
  /** The deployment's service secret (LEDGER_SERVICE_SECRET), sent with every call. */
  readonly serviceSecret?: string;
}

/** The write service's EventStore gRPC API as the projector's EventSource. */
export function createGrpcEventSource(options: GrpcEventSourceOptions): EventSource {
  const deadlineMs = options.deadlineMs ?? 10_000;
  const proto = loadLedgerProto().ledger.v1;
  const channel = grpcChannel(options.address);
  const client = new proto.EventStore(channel.target, grpc.credentials.createInsecure(), {
    ...channel.options,
    interceptors: serviceAuthInterceptors(options.serviceSecret),
  });
  return {
    replay: (request, signal) => replay(client, request, signal),
    heads: () =>
      new Promise((resolve, reject) => {
        client.checkpoint({}, { deadline: Date.now() + deadlineMs }, (error, reply) =>
          error || !reply ? reject(ledgerErrorFromGrpc(error)) : resolve(reply.heads),
        );
      }),
    progress: (checkpoints) =>
      new Promise((resolve, reject) => {
        const request = {
          checkpoints: Object.fromEntries([...checkpoints.entries()].filter(([, c]) => c !== undefined)),
        };
        client.progress(request, { deadline: Date.now() + deadlineMs }, (error, reply) =>
          error || !reply
            ? reject(ledgerErrorFromGrpc(error))
            : resolve(reply.partitions.map((p) => ({ ...p, nextOccurredAt: p.nextOccurredAt || null }))),
        );
      }),
    async close() {
      client.close();
    },
  };
}

async function* replay(
  client: EventStoreClient,
  request: ReplayRequest,
  signal?: AbortSignal,
): AsyncGenerator<LedgerEvent[]> {
  signal?.throwIfAborted();
  const call = client.replayPages({
    fromPositions: { ...request.from },
    toPositions: { ...request.to },
    partitions: [...(request.partitions ?? [])],
    aggregateTypes: [...(request.aggregateTypes ?? [])],
  });
  // Cancelling makes the stream fail with CANCELLED; this listener keeps that from going unhandled.
  call.on('error', () => {});
  const cancel = () => call.cancel();
  signal?.addEventListener('abort', cancel, { once: true });
  let complete = false;
  try {
    for await (const page of call as AsyncIterable<GrpcEventPageOutput>) yield page.events.map(decodeEvent);
    complete = true;
  } catch (error) {
    signal?.throwIfAborted();
    throw ledgerErrorFromGrpc(error);
  } finally {
    signal?.removeEventListener('abort', cancel);
    // The consumer stopped early (break, throw, abort): tell the server to stop streaming.
    if (!complete) call.cancel();
  }
}
