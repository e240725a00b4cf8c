import * as grpc from '@grpc/grpc-js';
import {
  auditToGrpc,
  grpcChannel,
  ledgerErrorFromGrpc,
  loadLedgerProto,
  serviceAuthInterceptors,
  traceContextInterceptor,
} from '@ledger/schema';
import type { CommandAudit, GrpcTransactionReply } from '@ledger/schema';
import type { AccountChanged, AccountOpened, Commands, TransactionAccepted } from '../../ports/commands.js';

export interface GrpcCommandsOptions {
  /** Write service address, e.g. "localhost:50051". */
  readonly address: string;
  /** Per-call deadline; past it the call fails with UnavailableError. */
  readonly deadlineMs?: number;
  /** The deployment's service secret (LEDGER_SERVICE_SECRET), sent with every call. */
  readonly serviceSecret?: string;
}

type Invoke<Reply> = (
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: grpc.requestCallback<Reply>,
) => unknown;

/** The write service's CommandService as the gateway's Commands port; statuses come back as LedgerErrors. */
export function createGrpcCommands(options: GrpcCommandsOptions): Commands {
  const deadlineMs = options.deadlineMs ?? 10_000;
  const proto = loadLedgerProto().ledger.v1;
  const channel = grpcChannel(options.address);
  const client = new proto.CommandService(channel.target, grpc.credentials.createInsecure(), {
    ...channel.options,
    interceptors: [traceContextInterceptor, ...serviceAuthInterceptors(options.serviceSecret)],
  });

  const call = <Reply>(audit: CommandAudit | undefined, invoke: Invoke<Reply>): Promise<Reply> =>
    new Promise((resolve, reject) => {
      invoke(auditToGrpc(audit), { deadline: Date.now() + deadlineMs }, (error, reply) =>
        error || reply === undefined ? reject(ledgerErrorFromGrpc(error)) : resolve(reply),
      );
    });
  const accepted = (reply: GrpcTransactionReply): TransactionAccepted => ({
    transactionId: reply.transactionId,
    position: reply.position,
    duplicate: reply.duplicate,
  });

  return {
    async openAccount(input, audit) {
      const reply = await call<AccountOpened>(audit, (m, o, cb) =>
        client.openAccount({ owner: input.owner, correlationId: input.correlationId ?? '' }, m, o, cb),
      );
      return { accountId: reply.accountId, position: reply.position };
    },
    async closeAccount(input, audit) {
      const request = { accountId: input.accountId, correlationId: input.correlationId ?? '' };
      const reply = await call<AccountChanged>(audit, (m, o, cb) => client.closeAccount(request, m, o, cb));
      return { accountId: reply.accountId, position: reply.position };
    },
    async changeOwner(input, audit) {
      const request = { accountId: input.accountId, owner: input.owner, correlationId: input.correlationId ?? '' };
      const reply = await call<AccountChanged>(audit, (m, o, cb) => client.changeOwner(request, m, o, cb));
      return { accountId: reply.accountId, position: reply.position };
    },
    async deposit(input, audit) {
      const request = {
        accountId: input.accountId,
        amount: input.amount.toString(),
        idempotencyKey: input.idempotencyKey ?? '',
        correlationId: input.correlationId ?? '',
      };
      return accepted(await call<GrpcTransactionReply>(audit, (m, o, cb) => client.deposit(request, m, o, cb)));
    },
    async withdraw(input, audit) {
      const request = {
        accountId: input.accountId,
        amount: input.amount.toString(),
        idempotencyKey: input.idempotencyKey ?? '',
        correlationId: input.correlationId ?? '',
      };
      return accepted(await call<GrpcTransactionReply>(audit, (m, o, cb) => client.withdraw(request, m, o, cb)));
    },
    async transfer(input, audit) {
      const request = {
        from: input.from,
        to: input.to,
        amount: input.amount.toString(),
        idempotencyKey: input.idempotencyKey ?? '',
        correlationId: input.correlationId ?? '',
      };
      return accepted(await call<GrpcTransactionReply>(audit, (m, o, cb) => client.transfer(request, m, o, cb)));
    },
    async close() {
      client.close();
    },
  };
}
