// The MongoDB event store, its own entry (`@ledger/write-service/mongo`) so that only a process
// configured with MONGO_URL loads the driver.
export { createMongoEventStore } from './adapters/mongo/event-store.js';
export type { MongoEventStore, MongoEventStoreOptions, MongoEventStoreStats } from './adapters/mongo/event-store.js';
