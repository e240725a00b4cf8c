// What the stores, the projection and their worker threads need without loading gRPC and its
// protocol files (`@ledger/schema` loads them, about a tenth of a second): the events and their codec.
export * from './events.js';
export {
  encodeEvent,
  decodeEvent,
  validateEventData,
  isKnownEventType,
  schemaVersionOf,
  upcastEvent,
  EventDecodeError,
} from './codec.js';
export type { WireEvent } from './codec.js';
