// The NATS event and notification buses, their own entry (`@ledger/platform/nats`) so that only a
// process configured with NATS_URL loads the client.
export { connectNats } from './bus/nats/connection.js';
export type { NatsClient, NatsConnectOptions } from './bus/nats/connection.js';
export { createNatsEventBus } from './bus/nats/event-bus.js';
export type { NatsEventBus, NatsEventBusOptions } from './bus/nats/event-bus.js';
export { createNatsNotificationBus } from './bus/nats/notification-bus.js';
export type { NatsNotificationBusOptions } from './bus/nats/notification-bus.js';
