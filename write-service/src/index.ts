export {};
export { createGrpcServer } from './api/grpc/server.js';
export type { GrpcServer, GrpcServerOptions } from './api/grpc/server.js';
