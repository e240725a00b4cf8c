import type { LedgerCommands } from '@ledger/schema';

export type { AccountChanged, AccountOpened, TransactionAccepted } from '@ledger/schema';

/**
 * The write service as the gateway sees it: its command API over gRPC. Rejections arrive as the
 * same LedgerError classes (ValidationError, NotFoundError, IdempotencyMismatchError, UnavailableError).
 */
export interface Commands extends LedgerCommands {
  close(): Promise<void>;
}
