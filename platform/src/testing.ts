// Test support: contract suites every adapter of a port runs, and engine switches. Kept out of the
// main entry so production code never loads node:test.
export { engineUrl } from './testing/engines.js';
export type { Engine } from './testing/engines.js';
export { defineLeaseContract } from './lease/lease.contract.js';
export type { MakeLeaseStore } from './lease/lease.contract.js';
export { defineEventBusContract, defineNotificationBusContract } from './bus/bus.contract.js';
export type { MakeBus } from './bus/bus.contract.js';
export { threadNames } from './testing/threads.js';
export { collected } from './testing/collected.js';
