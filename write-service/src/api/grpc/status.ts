import type * as grpc from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { isLedgerError, traced } from '@ledger/platform';
import type { Logger } from '@ledger/platform';
import { ledgerErrorToStatus, traceFromGrpc } from '@ledger/schema';

/**
 * The one place the write service turns errors into gRPC statuses. LedgerErrors keep their message
 * and code; anything else (driver errors, bugs) is logged here and masked, so no database text
 * reaches a client.
 */
export function toGrpcStatus(error: unknown, logger: Logger, method: string): grpc.ServerErrorResponse {
  if (isLedgerError(error)) {
    const translated = ledgerErrorToStatus(error);
    return Object.assign(new Error(translated.details), translated);
  }
  logger.error({ err: error, method }, 'gRPC call failed');
  return Object.assign(new Error('internal error'), { code: status.INTERNAL, details: 'internal error' });
}

/** Adapts a promise-returning handler to grpc-js's callback style, translating its errors. */
export function unary<Request, Reply>(
  logger: Logger,
  handle: (request: Request, metadata: grpc.Metadata) => Promise<Reply>,
): grpc.handleUnaryCall<Request, Reply> {
  return (call, callback) => {
    // Continues the caller's trace (gRPC metadata): the command's spans and events join it.
    const parent = traceFromGrpc(call.metadata);
    traced(`grpc ${call.getPath()}`, { kind: 'server', parent }, () => handle(call.request, call.metadata)).then(
      (reply) => callback(null, reply),
      (error: unknown) => callback(toGrpcStatus(error, logger, call.getPath())),
    );
  };
}
