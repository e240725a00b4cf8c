import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from './generated/ledger.js';

export type { ProtoGrpcType } from './generated/ledger.js';
export type { CommandServiceClient, CommandServiceHandlers } from './generated/ledger/v1/CommandService.js';
export type { EventStoreClient, EventStoreHandlers } from './generated/ledger/v1/EventStore.js';
export type { Event as GrpcEvent, Event__Output as GrpcEventOutput } from './generated/ledger/v1/Event.js';
export type {
  EventPage as GrpcEventPage,
  EventPage__Output as GrpcEventPageOutput,
} from './generated/ledger/v1/EventPage.js';
export type { ReplayRequest__Output as GrpcReplayRequest } from './generated/ledger/v1/ReplayRequest.js';
export type { TransactionReply__Output as GrpcTransactionReply } from './generated/ledger/v1/TransactionReply.js';

/** Path of the committed .proto every service loads. */
export const LEDGER_PROTO_PATH = fileURLToPath(new URL('../proto/ledger.proto', import.meta.url));

let cached: ProtoGrpcType | undefined;

/**
 * Channel target and options for a write-service address: "host:port" (DNS, every address the name
 * resolves to) or a comma list of "ip:port" replicas; calls are spread round robin over the ready
 * ones, so a replica that dies only drops out of the rotation.
 */
export function grpcChannel(address: string): { target: string; options: grpc.ChannelOptions } {
  const entries = address.split(',').map((entry) => entry.trim().replace(/^localhost:/, '127.0.0.1:'));
  // dns:/// (no authority: the system resolver) yields every address of the name, e.g. each replica
  // of a compose service; round_robin then spreads calls over them (the default, pick_first, would
  // send every call to one).
  const target = entries.length > 1 ? `ipv4:${entries.join(',')}` : `dns:///${entries[0]}`;
  return {
    target,
    options: { 'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }) },
  };
}

/** The ledger.v1 package, loaded with the same options the generated types were made with. */
export function loadLedgerProto(): ProtoGrpcType {
  if (!cached) {
    const definition = protoLoader.loadSync(LEDGER_PROTO_PATH, {
      longs: Number,
      enums: String,
      defaults: true,
      oneofs: true,
    });
    cached = grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType;
  }
  return cached;
}
