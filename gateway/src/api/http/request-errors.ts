import type { ServerResponse } from 'node:http';
import { clientErrorOf } from '../error-codes.js';
import type { ClientError } from '../error-codes.js';
import { RateLimitedError } from './rate-limit.js';

/** Errors the JSON body parser raises carry an HTTP status and a type. */
const isBodyParserError = (error: unknown): error is { status: number; type: string; message: string } =>
  typeof error === 'object' &&
  error !== null &&
  'type' in error &&
  'status' in error &&
  typeof error.status === 'number';

/**
 * The client's view of an error raised around a request (its caller, budget or body) or by a route;
 * null when a client may not see it (it is then logged and masked as INTERNAL_SERVER_ERROR).
 */
export function clientErrorOfRequest(error: unknown): ClientError | null {
  if (error instanceof RateLimitedError) return { code: error.code, status: 429, message: error.message };
  if (isBodyParserError(error) && error.status < 500) {
    const tooLarge = error.type === 'entity.too.large';
    return {
      code: tooLarge ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST',
      status: error.status,
      message: tooLarge ? 'the request body is too large' : 'the request body is not valid JSON',
    };
  }
  return clientErrorOf(error);
}

/** Headers that go with a refusal: when to come back after a rate limit. */
export function setRefusalHeaders(response: ServerResponse, error: unknown): void {
  if (error instanceof RateLimitedError) {
    response.setHeader('Retry-After', String(Math.ceil(error.retryAfterMs / 1000)));
  }
}
