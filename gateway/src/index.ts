export {};
export { createGrpcCommands } from './adapters/grpc/commands.js';
export type { GrpcCommandsOptions } from './adapters/grpc/commands.js';
