export * from './generated/graphql.js';
export { createLedgerClient, LedgerClientError, LedgerSocketClosedError } from './client.js';
export { persistedDocuments } from './persisted-documents.js';
export type { LedgerClient, LedgerClientOptions, LiveSubscription } from './client.js';
