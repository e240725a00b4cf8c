import * as grpc from '@grpc/grpc-js';
import { silentLogger } from '@ledger/platform';
import type { Logger } from '@ledger/platform';
import { loadLedgerProto, requireServiceSecret } from '@ledger/schema';
import type { LedgerCommands } from '../../application/ledger-commands.js';
import type { EventStore } from '../../ports/event-store.js';
import { commandHandlers } from './command-handlers.js';
import { eventStoreHandlers } from './event-store-handlers.js';

export interface GrpcServerOptions {
  readonly commands: LedgerCommands;
  readonly store: EventStore;
  readonly logger?: Logger;
  /** How long close() lets running calls (e.g. a replay) finish before cutting them. */
  readonly shutdownTimeoutMs?: number;
  /** Events read from the store per query while replaying. */
  readonly replayPageSize?: number;
  /** The deployment's service secret: when given, a call without it ends UNAUTHENTICATED. */
  readonly serviceSecret?: string;
}

export interface GrpcServer {
  /** Binds e.g. "0.0.0.0:50051" ("127.0.0.1:0" picks a free port) and returns the bound port. */
  listen(address: string): Promise<number>;
  close(): Promise<void>;
}

/** The write service's gRPC edge: CommandService and EventStore (replay for rebuilds). */
export function createGrpcServer(options: GrpcServerOptions): GrpcServer {
  const logger = options.logger ?? silentLogger();
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 5_000;
  const proto = loadLedgerProto().ledger.v1;
  const server = new grpc.Server({
    interceptors: options.serviceSecret === undefined ? [] : [requireServiceSecret(options.serviceSecret)],
  });
  server.addService(proto.CommandService.service, commandHandlers(options.commands, logger));
  server.addService(proto.EventStore.service, eventStoreHandlers(options.store, logger, options.replayPageSize ?? 500));

  let closing: Promise<void> | undefined;
  return {
    listen: (address) =>
      new Promise((resolve, reject) => {
        server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, port) =>
          error ? reject(error) : resolve(port),
        );
      }),
    close: () => {
      closing ??= new Promise((resolve) => {
        const deadline = setTimeout(() => {
          logger.warn({ shutdownTimeoutMs }, 'gRPC calls still running at shutdown: cancelling them');
          server.forceShutdown();
          resolve();
        }, shutdownTimeoutMs);
        server.tryShutdown(() => {
          clearTimeout(deadline);
          resolve();
        });
      });
      return closing;
    },
  };
}
