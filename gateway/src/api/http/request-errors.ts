import type { ServerResponse } from 'node:http';
import { clientErrorOf } from '../error-codes.js';
import type { ClientError } from '../error-codes.js';
import { RateLimitedError } from './rate-limit.js';

/**
 * Errors raised while a request is read carry a client status: the body parser's (http-errors: a body
 * too large, not JSON, not decompressible, in an unknown encoding or charset) and the router's (a path
 * whose percent-escapes do not decode).
 */
const isRequestReadError = (
  error: unknown,
): error is { status: number; type?: unknown; code?: unknown; message: string } =>
  typeof error === 'object' &&
  error !== null &&
  'status' in error &&
  typeof error.status === 'number' &&
  error.status >= 400 &&
  error.status < 500;

function requestReadError(error: { status: number; type?: unknown; code?: unknown }): ClientError {
  if (error.type === 'entity.too.large') {
    return { code: 'PAYLOAD_TOO_LARGE', status: 413, message: 'the request body is too large' };
  }
  if (error.status === 415) {
    return {
      code: 'UNSUPPORTED_MEDIA_TYPE',
      status: 415,
      message: "the request body's content-encoding or charset is not supported",
    };
  }
  if (error instanceof URIError) {
    return { code: 'BAD_REQUEST', status: 400, message: 'the request path has a malformed percent-escape' };
  }
  // zlib's codes (gzip, deflate) and brotli's.
  if (typeof error.code === 'string' && /^(Z_|ERR__ERROR_|ERR_BROTLI)/.test(error.code)) {
    return { code: 'BAD_REQUEST', status: 400, message: 'the request body does not decompress' };
  }
  if (error.type === 'entity.parse.failed') {
    return { code: 'BAD_REQUEST', status: 400, message: 'the request body is not valid JSON' };
  }
  return { code: 'BAD_REQUEST', status: error.status, message: 'the request could not be read' };
}

/**
 * The client's view of an error raised around a request (its caller, budget or body) or by a route;
 * null when a client may not see it (it is then logged and masked as INTERNAL_SERVER_ERROR).
 */
export function clientErrorOfRequest(error: unknown): ClientError | null {
  if (error instanceof RateLimitedError) return { code: error.code, status: 429, message: error.message };
  return clientErrorOf(error) ?? (isRequestReadError(error) ? requestReadError(error) : null);
}

/** Headers that go with a refusal: when to come back after a rate limit. */
export function setRefusalHeaders(response: ServerResponse, error: unknown): void {
  if (error instanceof RateLimitedError) {
    response.setHeader('Retry-After', String(Math.ceil(error.retryAfterMs / 1000)));
  }
}
