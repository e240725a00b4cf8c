import type { IncomingMessage } from 'node:http';

/**
 * Whose budgets (rate, sockets) an HTTP request or a websocket's upgrade request spends: its client
 * address. Behind a proxy every client shares the proxy's address.
 */
export const subjectOf = (request: IncomingMessage): string => `address:${request.socket.remoteAddress ?? 'unknown'}`;
