// Test support: contract suites every adapter of a port runs, and engine switches. Kept out of the
// main entry so production code never loads node:test.
export { defineEventStoreContract } from './ports/event-store.contract.js';
export type { EventStoreUnderTest } from './ports/event-store.contract.js';
export { accountOpening, transactionRequest, transactionSettlement } from './testing/appends.js';
