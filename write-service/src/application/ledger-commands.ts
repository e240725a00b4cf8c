export type { LedgerCommands, TransactionAccepted, AccountOpened } from '@ledger/schema';
