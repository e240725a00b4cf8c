import type { IncomingMessage } from 'node:http';
import { findIdentity } from '../auth/principal.js';

/**
 * Whose budgets (rate, sockets) an HTTP request or a websocket's upgrade request spends: the caller's
 * token subject once authenticated, else its client address (behind a proxy every anonymous client
 * shares the proxy's address).
 */
export const subjectOf = (request: IncomingMessage): string => {
  const subject = findIdentity(request)?.principal.subject;
  return subject ? `sub:${subject}` : `address:${request.socket.remoteAddress ?? 'unknown'}`;
};
