import { createHash, timingSafeEqual } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';

// The processes of one deployment prove to the write service that they are its own with a secret they
// share (LEDGER_SERVICE_SECRET), sent as a bearer credential in every call's metadata. Its gRPC API
// trusts the actor a call names only from them: without it, anyone reaching the port could write as
// anyone, whatever the gateway checks.
const AUTHORIZATION = 'authorization';

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Client interceptor: each call carries the deployment's service secret. */
export function serviceSecretInterceptor(secret: string): grpc.Interceptor {
  const credential = `Bearer ${secret}`;
  return (options, nextCall) =>
    new grpc.InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set(AUTHORIZATION, credential);
        next(metadata, listener);
      },
    });
}

/** Client interceptors of a call to the write service: the secret's, when the deployment has one. */
export const serviceAuthInterceptors = (secret: string | undefined): grpc.Interceptor[] =>
  secret === undefined ? [] : [serviceSecretInterceptor(secret)];

/**
 * Server interceptor: a call without the service secret ends UNAUTHENTICATED before its handler runs.
 * Compared as digests, in constant time.
 */
export function requireServiceSecret(secret: string): grpc.ServerInterceptor {
  const expected = digest(`Bearer ${secret}`);
  return (_method, call) =>
    new grpc.ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, pass) {
            const given = metadata.get(AUTHORIZATION)[0];
            if (typeof given === 'string' && timingSafeEqual(digest(given), expected)) {
              metadata.remove(AUTHORIZATION);
              pass(metadata);
            } else {
              call.sendStatus({
                code: grpc.status.UNAUTHENTICATED,
                details: "this call does not carry the deployment's service secret (LEDGER_SERVICE_SECRET)",
              });
            }
          },
        });
      },
    });
}
