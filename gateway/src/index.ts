import 'reflect-metadata';

export { createGateway } from './gateway.js';
export type { Gateway, GatewayOptions } from './gateway.js';
export { buildLedgerSchema } from './api/graphql/schema.js';
export type { Commands, AccountOpened, TransactionAccepted } from './ports/commands.js';
export type { Consistency, Teller } from './application/teller.js';
export { createGrpcCommands } from './adapters/grpc/commands.js';
export { createInProcessCommands } from './adapters/in-process/commands.js';
export type { GrpcCommandsOptions } from './adapters/grpc/commands.js';
export type { RateLimit, RateDecision } from './ports/rate-limit.js';
export { createMemoryRateLimit } from './adapters/rate-limit/memory.js';
export { createRedisRateLimit } from './adapters/rate-limit/redis.js';
export type { RedisRateLimitOptions } from './adapters/rate-limit/redis.js';
export type { TrustedDocumentsMode, TrustedDocumentsOptions } from './api/graphql/trusted-documents.js';
export type { SocketLimits } from './api/graphql/websocket.js';
