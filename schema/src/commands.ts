// The write service's command API: implemented by write-service, served over gRPC CommandService,
// and used by the gateway through its gRPC client. One definition for both sides.

/** Result of a command that creates a transaction (deposit, withdrawal, transfer). */
export interface TransactionAccepted {
  readonly transactionId: string;
  /** "<partition>:<sequence>" of the TransactionRequested event. */
  readonly position: string;
  /** An earlier command with the same idempotency key had created it: nothing new was written. */
  readonly duplicate: boolean;
}

export interface AccountOpened {
  readonly accountId: string;
  /** "<partition>:<sequence>" of the AccountOpened event. */
  readonly position: string;
}

/** Result of a command that changes an account (close, change owner). */
export interface AccountChanged {
  readonly accountId: string;
  /** "<partition>:<sequence>" of the event it recorded. */
  readonly position: string;
}

/** Who asked for a command, recorded in the metadata of every event it causes (the audit trail). */
export interface CommandAudit {
  /** The caller's JWT `sub`; the write service refuses commands without one when authentication is on. */
  readonly actor?: string;
  readonly requestId?: string;
}

/**
 * The write service's command API (served over gRPC CommandService). Rejections are LedgerErrors:
 * ValidationError (bad input), NotFoundError (unknown account), IdempotencyMismatchError,
 * IllegalStateError (the account is closed; closing it needs a zero balance).
 * Nothing is written when a command is rejected.
 */
export interface LedgerCommands {
  openAccount(input: { owner: string; correlationId?: string }, audit?: CommandAudit): Promise<AccountOpened>;
  /** Closes an open account whose balance is zero; a closed account takes no money in or out. */
  closeAccount(input: { accountId: string; correlationId?: string }, audit?: CommandAudit): Promise<AccountChanged>;
  changeOwner(
    input: { accountId: string; owner: string; correlationId?: string },
    audit?: CommandAudit,
  ): Promise<AccountChanged>;
  deposit(
    input: { accountId: string; amount: bigint; idempotencyKey?: string; correlationId?: string },
    audit?: CommandAudit,
  ): Promise<TransactionAccepted>;
  withdraw(
    input: { accountId: string; amount: bigint; idempotencyKey?: string; correlationId?: string },
    audit?: CommandAudit,
  ): Promise<TransactionAccepted>;
  transfer(
    input: { from: string; to: string; amount: bigint; idempotencyKey?: string; correlationId?: string },
    audit?: CommandAudit,
  ): Promise<TransactionAccepted>;
}
