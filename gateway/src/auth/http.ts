import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { attachIdentity, OPEN_ACCESS } from './principal.js';
import type { RequestIdentity } from './principal.js';
import type { Authenticator } from './tokens.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's own request id when it is a sane token (for tracing across systems), else a new one. */
export const requestIdOf = (header: unknown): string =>
  typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();

/**
 * Establishes who sends an HTTP request before anything else reads it: the principal and a request id
 * are attached to the request (read them with principalOf/identityOf) and the id is echoed in
 * `x-request-id`. A missing or bad token rejects with UNAUTHENTICATED, the response then carrying the
 * WWW-Authenticate challenge of RFC 6750. Without authentication nothing is awaited.
 */
export function authenticateRequest(
  authenticator: Authenticator,
  request: IncomingMessage,
  response: ServerResponse,
): RequestIdentity | Promise<RequestIdentity> {
  const requestId = requestIdOf(request.headers['x-request-id']);
  response.setHeader('x-request-id', requestId);
  if (!authenticator.enabled) {
    const identity = { principal: OPEN_ACCESS, requestId };
    attachIdentity(request, identity);
    return identity;
  }
  return authenticator.authenticate(request.headers.authorization).then(
    (principal) => {
      const identity = { principal, requestId };
      attachIdentity(request, identity);
      return identity;
    },
    (error: unknown) => {
      response.setHeader('WWW-Authenticate', 'Bearer realm="ledger"');
      throw error;
    },
  );
}

/** authenticateRequest as Express middleware, for the routes besides /graphql. */
export function authenticateRequests(authenticator: Authenticator): RequestHandler {
  return (request, response, next) => {
    const identity = authenticateRequest(authenticator, request, response);
    if (!(identity instanceof Promise)) return next();
    identity.then(() => next(), next);
  };
}
