export {};
export { createGrpcEventSource } from './adapters/grpc/event-source.js';
export type { GrpcEventSourceOptions } from './adapters/grpc/event-source.js';
export type { ReadModel, AccountCursor, AccountPage, TransactionCursor, TransactionPage } from './ports/read-model.js';
