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

/**
 * The write service's command API (served over gRPC CommandService). Rejections are LedgerErrors:
 * ValidationError (bad input), NotFoundError (unknown account), IdempotencyMismatchError.
 * Nothing is written when a command is rejected.
 */
export interface LedgerCommands {
  openAccount(input: { owner: string; correlationId?: string }): Promise<AccountOpened>;
  deposit(input: {
    accountId: string;
    amount: bigint;
    idempotencyKey?: string;
    correlationId?: string;
  }): Promise<TransactionAccepted>;
  withdraw(input: {
    accountId: string;
    amount: bigint;
    idempotencyKey?: string;
    correlationId?: string;
  }): Promise<TransactionAccepted>;
  transfer(input: {
    from: string;
    to: string;
    amount: bigint;
    idempotencyKey?: string;
    correlationId?: string;
  }): Promise<TransactionAccepted>;
}
