// A request thread for the tests of request-thread.ts: it echoes, fails on request, and reports the
// resource limits it runs with.
import { resourceLimits } from 'node:worker_threads';
import { ValidationError } from '../errors.js';
import { serveRequests } from '../request-thread.js';

export type AnsweringRequest = { readonly echo: unknown } | { readonly fail: string } | { readonly limits: true };

serveRequests<unknown, AnsweringRequest, unknown>(() => ({
  answer(request) {
    if ('fail' in request) throw new ValidationError(request.fail);
    if ('limits' in request) return resourceLimits;
    return request.echo;
  },
  close() {},
}));
