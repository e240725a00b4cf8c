import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { attachIdentity, OPEN_ACCESS } from './principal.js';
import type { Authenticator } from './tokens.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's own request id when it is a sane token (for tracing across systems), else a new one. */
export const requestIdOf = (header: unknown): string =>
  typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();

/**
 * Establishes who sends each HTTP request before anything else reads it: the principal and a request
 * id are attached to the request (read them with principalOf/identityOf). A missing or bad token ends
 * the request as UNAUTHENTICATED (401, with the WWW-Authenticate challenge of RFC 6750).
 */
export function authenticateRequests(authenticator: Authenticator): RequestHandler {
  return (request, response, next) => {
    const requestId = requestIdOf(request.headers['x-request-id']);
    response.setHeader('x-request-id', requestId);
    if (!authenticator.enabled) {
      attachIdentity(request, { principal: OPEN_ACCESS, requestId });
      return next();
    }
    authenticator.authenticate(request.headers.authorization).then(
      (principal) => {
        attachIdentity(request, { principal, requestId });
        next();
      },
      (error: unknown) => {
        response.setHeader('WWW-Authenticate', 'Bearer realm="ledger"');
        next(error);
      },
    );
  };
}
