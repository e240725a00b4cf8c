import { CloseCode } from 'graphql-ws';
import type { Context } from 'graphql-ws';
import type { Extra } from 'graphql-ws/use/ws';
import { isLedgerError } from '@ledger/platform';
import type { Logger } from '@ledger/platform';
import { attachIdentity } from './principal.js';
import { requestIdOf } from './http.js';
import type { Authenticator } from './tokens.js';

type SocketContext = Context<Record<string, unknown> | undefined, Extra>;

/** setTimeout's longest delay; a later expiry is re-checked after it. */
const MAX_DELAY_MS = 0x7fffffff;

/**
 * graphql-ws hooks that authenticate a socket once, at connection_init, with the token in
 * `connectionParams.authorization` (the Apollo convention), attach its principal to the upgrade
 * request, and close the socket with CloseCode.Forbidden (4403) when the token is refused or expires.
 */
export function socketAuthentication(authenticator: Authenticator, logger: Logger) {
  const expiryTimers = new WeakMap<SocketContext, NodeJS.Timeout>();

  const closeAtExpiry = (ctx: SocketContext, expiresAt: number): void => {
    const delay = expiresAt - Date.now();
    if (delay <= 0) {
      ctx.extra.socket.close(CloseCode.Forbidden, 'the token has expired');
      return;
    }
    const timer = setTimeout(() => closeAtExpiry(ctx, expiresAt), Math.min(delay, MAX_DELAY_MS));
    timer.unref();
    expiryTimers.set(ctx, timer);
  };

  return {
    onConnect: async (ctx: SocketContext): Promise<boolean> => {
      const requestId = requestIdOf(ctx.extra.request.headers['x-request-id']);
      try {
        const principal = await authenticator.authenticate(ctx.connectionParams?.authorization);
        attachIdentity(ctx.extra.request, { principal, requestId });
        if (principal.expiresAt !== null) closeAtExpiry(ctx, principal.expiresAt);
        return true;
      } catch (error) {
        if (isLedgerError(error) && error.code === 'UNAUTHENTICATED') {
          ctx.extra.socket.close(CloseCode.Forbidden, error.message);
        } else {
          logger.warn({ err: error }, 'websocket authentication failed');
          ctx.extra.socket.close(CloseCode.InternalServerError, 'authentication is unavailable');
        }
        return false;
      }
    },
    onClose: (ctx: SocketContext): void => {
      clearTimeout(expiryTimers.get(ctx));
    },
  };
}
