import { createLedgerClient, LedgerClientError, LedgerSocketClosedError } from '@ledger/client';
import type { LedgerClient } from '@ledger/client';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';

const TOKEN_KEY = 'ledger.console.token';
const AUTH_CODES = new Set(['UNAUTHENTICATED', 'FORBIDDEN']);

export type SessionState = 'connecting' | 'live' | 'reconnecting' | 'needs-token';

/**
 * The console's connection to the gateway: one typed client (HTTP + graphql-ws), the bearer token
 * kept for this tab, and subscriptions that come back by themselves after the socket drops.
 */
export interface Session {
  request<Result, Variables>(document: TypedDocumentNode<Result, Variables>, variables: Variables): Promise<Result>;
  /** Delivers every value of the subscription to `onValue`, resubscribing after a drop, until `signal` aborts. */
  follow<Result, Variables>(
    document: TypedDocumentNode<Result, Variables>,
    variables: Variables,
    onValue: (value: Result) => void,
    signal: AbortSignal,
  ): void;
  authorization(): Record<string, string>;
  setToken(token: string): void;
  onState(listener: (state: SessionState) => void): void;
}

/** A refusal of the caller, over HTTP (its error code) or on the websocket (its close code). */
const isAuthError = (error: unknown): boolean =>
  (error instanceof LedgerClientError && error.code !== undefined && AUTH_CODES.has(error.code)) ||
  (error instanceof LedgerSocketClosedError && error.forbidden);

const pause = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

export function createSession(): Session {
  let token = sessionStorage.getItem(TOKEN_KEY) ?? '';
  const listeners: Array<(state: SessionState) => void> = [];
  // Once the gateway refused the token, nothing but a new token changes that: a request the token may
  // still make (a teller's accounts) must not read as "live" while the console lacks what it needs.
  let refused = false;
  const setState = (state: SessionState): void => {
    if (refused && state !== 'needs-token') return;
    listeners.forEach((listener) => listener(state));
  };
  const authorization = (): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});
  const makeClient = (): LedgerClient =>
    // The token goes as the HTTP header and in graphql-ws's connectionParams.
    createLedgerClient({ url: new URL('/graphql', location.href).href, token: token || undefined });
  let client = makeClient();

  const failed = (error: unknown): void => {
    if (isAuthError(error)) {
      setState('needs-token');
      refused = true;
    } else setState('reconnecting');
  };

  return {
    async request(document, variables) {
      try {
        const result = await client.request(document, variables);
        setState('live');
        return result;
      } catch (error) {
        failed(error);
        throw error;
      }
    },
    follow(document, variables, onValue, signal) {
      void (async () => {
        while (!signal.aborted) {
          const subscription = client.subscribe(document, variables);
          signal.addEventListener('abort', () => subscription.close(), { once: true });
          try {
            for await (const value of subscription) {
              setState('live');
              onValue(value);
            }
            if (!signal.aborted) setState('reconnecting');
          } catch (error) {
            if (signal.aborted) return;
            failed(error);
          }
          await pause(1500, signal);
        }
      })();
    },
    authorization,
    setToken(value) {
      token = value.trim();
      refused = false;
      sessionStorage.setItem(TOKEN_KEY, token);
      void client.close();
      client = makeClient();
      setState('connecting');
    },
    onState(listener) {
      listeners.push(listener);
    },
  };
}
