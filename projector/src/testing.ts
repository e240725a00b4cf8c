// Test support: contract suites every adapter of a port runs, and engine switches. Kept out of the
// main entry so production code never loads node:test.
export { defineReadModelContract } from './ports/read-model.contract.js';
export { createMemoryEventSource } from './adapters/memory/event-source.js';
export type { MemoryEventSource } from './adapters/memory/event-source.js';
