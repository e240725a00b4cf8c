/** Result of a command that creates a transaction. */
export interface TransactionAccepted {
  readonly transactionId: string;
  /** "<partition>:<sequence>" of the TransactionRequested event. */
  readonly position: string;
  /** An earlier command with the same idempotency key had created it. */
  readonly duplicate: boolean;
}

export interface AccountOpened {
  readonly accountId: string;
  readonly position: string;
}

/**
 * The write service as the gateway sees it (gRPC CommandService). Rejections arrive as
 * LedgerError subclasses: ValidationError, NotFoundError, IdempotencyMismatchError, UnavailableError.
 */
export interface Commands {
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
  close(): Promise<void>;
}
