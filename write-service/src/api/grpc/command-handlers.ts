import { parseMoney } from '@ledger/platform';
import type { Logger } from '@ledger/platform';
import { auditFromGrpc } from '@ledger/schema';
import type { CommandServiceHandlers } from '@ledger/schema';
import type { LedgerCommands, TransactionAccepted } from '../../application/ledger-commands.js';
import { unary } from './status.js';

/** Proto3 strings default to "": an empty optional field means "not given". */
const optional = (value: string): string | undefined => value || undefined;

const transactionReply = (accepted: TransactionAccepted) => ({
  transactionId: accepted.transactionId,
  position: accepted.position,
  duplicate: accepted.duplicate,
});

export function commandHandlers(commands: LedgerCommands, logger: Logger): CommandServiceHandlers {
  return {
    OpenAccount: unary(logger, async (request, metadata) => {
      const opened = await commands.openAccount(
        { owner: request.owner, correlationId: optional(request.correlationId) },
        auditFromGrpc(metadata),
      );
      return { accountId: opened.accountId, position: opened.position };
    }),
    CloseAccount: unary(logger, async (request, metadata) =>
      commands.closeAccount(
        { accountId: request.accountId, correlationId: optional(request.correlationId) },
        auditFromGrpc(metadata),
      ),
    ),
    ChangeOwner: unary(logger, async (request, metadata) =>
      commands.changeOwner(
        { accountId: request.accountId, owner: request.owner, correlationId: optional(request.correlationId) },
        auditFromGrpc(metadata),
      ),
    ),
    Deposit: unary(logger, async (request, metadata) =>
      transactionReply(
        await commands.deposit(
          {
            accountId: request.accountId,
            amount: parseMoney(request.amount),
            idempotencyKey: optional(request.idempotencyKey),
            correlationId: optional(request.correlationId),
          },
          auditFromGrpc(metadata),
        ),
      ),
    ),
    Withdraw: unary(logger, async (request, metadata) =>
      transactionReply(
        await commands.withdraw(
          {
            accountId: request.accountId,
            amount: parseMoney(request.amount),
            idempotencyKey: optional(request.idempotencyKey),
            correlationId: optional(request.correlationId),
          },
          auditFromGrpc(metadata),
        ),
      ),
    ),
    Transfer: unary(logger, async (request, metadata) =>
      transactionReply(
        await commands.transfer(
          {
            from: request.from,
            to: request.to,
            amount: parseMoney(request.amount),
            idempotencyKey: optional(request.idempotencyKey),
            correlationId: optional(request.correlationId),
          },
          auditFromGrpc(metadata),
        ),
      ),
    ),
  };
}
