import { print } from 'graphql';
import type { DocumentNode, ExecutionResult, GraphQLFormattedError } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { createClient } from 'graphql-ws';
import type { Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';

export interface LedgerClientOptions {
  /** HTTP endpoint, e.g. http://localhost:4000/graphql (the websocket URL is derived from it). */
  readonly url: string;
  readonly headers?: Record<string, string>;
  /**
   * More gateways for subscriptions: when the websocket drops, the client reconnects to the next
   * one in turn (then back to `url`), with backoff, and resumes every subscription.
   */
  readonly failover?: readonly string[];
  /** Reconnection attempts after the websocket drops, before subscriptions fail (default 10). */
  readonly reconnectAttempts?: number;
  /** A query or mutation not answered within this many ms rejects (its effect is then unknown: retry with the same idempotency key). */
  readonly timeoutMs?: number;
  /**
   * A JWT sent as `Authorization: Bearer <token>` over HTTP and as `connectionParams.authorization`
   * over websockets; a function is asked again for each request and each new socket (token refresh).
   */
  readonly token?: string | (() => string | Promise<string>);
}

/** The sha256 hash GraphQL Code Generator embedded in a generated document (its persisted-document id). */
const hashOf = (document: object): string | undefined => (document as { __meta__?: { hash?: string } }).__meta__?.hash;

/** Apollo's persisted-query extension naming a document by its hash. */
const persistedQuery = (sha256Hash: string) => ({ persistedQuery: { version: 1, sha256Hash } });

/** A GraphQL error answer, with the errors as the server formatted them. */
export class LedgerClientError extends Error {
  constructor(readonly errors: readonly GraphQLFormattedError[]) {
    super(errors.map((error) => error.message).join('; '));
    this.name = 'LedgerClientError';
  }
  /** `extensions.code` of the first error. */
  get code(): string | undefined {
    return this.errors[0]?.extensions?.code as string | undefined;
  }
}

/** graphql-ws's CloseCode.Forbidden: the gateway refused the socket's token, or it expired. */
const FORBIDDEN_CLOSE_CODE = 4403;

/** The server closed the websocket, e.g. 4403 when its token was refused or expired. */
export class LedgerSocketClosedError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(`the socket was closed: ${code} ${reason}`);
    this.name = 'LedgerSocketClosedError';
  }

  /** The gateway refused the socket's token, or it expired (4403): a new token may help, a retry alone not. */
  get forbidden(): boolean {
    return this.code === FORBIDDEN_CLOSE_CODE;
  }
}

const isCloseEvent = (value: unknown): value is { code: number; reason: string } =>
  typeof value === 'object' && value !== null && 'code' in value && typeof value.code === 'number';

export interface LiveSubscription<T> extends AsyncIterable<T> {
  /** Resolves once the server has accepted the subscription. */
  readonly ready: Promise<void>;
  close(): void;
}

export interface LedgerClient {
  /** Runs a query or mutation; GraphQL errors reject with LedgerClientError. */
  request<Result, Variables>(document: TypedDocumentNode<Result, Variables>, variables: Variables): Promise<Result>;
  /** The raw answer, errors included. */
  execute<Result, Variables>(
    document: TypedDocumentNode<Result, Variables>,
    variables: Variables,
  ): Promise<ExecutionResult<Result>>;
  subscribe<Result, Variables>(
    document: TypedDocumentNode<Result, Variables>,
    variables: Variables,
  ): LiveSubscription<Result>;
  close(): Promise<void>;
}

/** The typed Ledger client: queries and mutations over HTTP, subscriptions over graphql-ws. */
export function createLedgerClient(options: LedgerClientOptions): LedgerClient {
  let ws: WsClient | undefined;
  let connected = false;
  const authorization = async (): Promise<string | undefined> => {
    const token = typeof options.token === 'function' ? await options.token() : options.token;
    return token === undefined ? undefined : `Bearer ${token}`;
  };
  const wsClient = (): WsClient => {
    if (!ws) {
      const endpoints = [options.url, ...(options.failover ?? [])].map((url) => url.replace(/^http/, 'ws'));
      let endpoint = 0;
      ws = createClient({
        url: () => endpoints[endpoint % endpoints.length]!,
        webSocketImpl: WebSocket,
        lazy: true,
        retryAttempts: options.reconnectAttempts ?? 10,
        connectionParams: async () => {
          const value = await authorization();
          return value === undefined ? {} : { authorization: value };
        },
        // A refused or expired token (4403) is worth another try only when a new token can come.
        shouldRetry: (event) =>
          !(isCloseEvent(event) && event.code === FORBIDDEN_CLOSE_CODE && typeof options.token !== 'function'),
        // 250 ms doubling up to 8 s, plus jitter so clients of a failed gateway do not come back together.
        retryWait: (retries) =>
          new Promise((resolve) => setTimeout(resolve, Math.min(250 * 2 ** retries, 8_000) + Math.random() * 250)),
      });
      ws.on('connected', () => (connected = true));
      ws.on('closed', (event) => {
        connected = false;
        // A dropped or refused connection: the next attempt goes to the next gateway.
        if ((event as { code?: number } | undefined)?.code !== 1000) endpoint++;
      });
    }
    return ws;
  };

  const post = async <Result>(body: object): Promise<ExecutionResult<Result>> => {
    const value = await authorization();
    const response = await fetch(options.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        ...(value === undefined ? {} : { authorization: value }),
        ...options.headers,
      },
      body: JSON.stringify(body),
      signal: options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs),
    });
    const text = await response.text();
    try {
      return JSON.parse(text) as ExecutionResult<Result>;
    } catch {
      throw new Error(`HTTP ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`);
    }
  };

  /** By hash alone; a gateway that does not know the hash asks for the text (Apollo's convention), sent once. */
  const execute = async <Result, Variables>(
    document: TypedDocumentNode<Result, Variables>,
    variables: Variables,
  ): Promise<ExecutionResult<Result>> => {
    const hash = hashOf(document);
    if (hash === undefined) return post({ query: print(document), variables });
    const answer = await post<Result>({ variables, extensions: persistedQuery(hash) });
    if (answer.errors?.[0]?.extensions?.code !== 'PERSISTED_QUERY_NOT_FOUND') return answer;
    return post({ query: print(document), variables, extensions: persistedQuery(hash) });
  };

  return {
    execute,
    async request(document, variables) {
      const result = await execute(document, variables);
      if (result.errors?.length) throw new LedgerClientError(result.errors);
      if (!result.data) throw new Error('answer without data');
      return result.data;
    },
    subscribe<Result, Variables>(document: TypedDocumentNode<Result, Variables>, variables: Variables) {
      const queue: Result[] = [];
      const waiters: Array<{ resolve: (result: IteratorResult<Result>) => void; reject: (error: unknown) => void }> =
        [];
      let failure: unknown;
      let done = false;
      let markReady: () => void = () => undefined;
      let markFailed: (error: unknown) => void = () => undefined;
      const ready = new Promise<void>((resolve, reject) => {
        markReady = resolve;
        markFailed = reject;
      });
      ready.catch(() => undefined);
      const finish = (): void => {
        done = true;
        // A consumer already waiting hears the failure too, not just the end.
        for (const waiter of waiters.splice(0)) {
          if (failure) waiter.reject(failure);
          else waiter.resolve({ value: undefined, done: true });
        }
      };
      const client = wsClient();
      // graphql-ws does not acknowledge a subscription; once the socket is up, the server has it soon after.
      const off = client.on('connected', () => setTimeout(markReady, 50));
      if (connected) setTimeout(markReady, 50);
      // The text goes along with the hash: graphql-ws requires it, and a gateway that knows the hash ignores it.
      const hash = hashOf(document);
      // graphql-ws sends this same payload again when it reconnects: keeping `after` at the last
      // cursor delivered makes the server resume right after it.
      const payload = {
        query: print(document),
        variables: { ...(variables as Record<string, unknown>) },
        ...(hash === undefined ? {} : { extensions: persistedQuery(hash) }),
      };
      const resumable = declaresVariable(document, 'after');
      let lastDelivered: string | undefined;
      const dispose = client.subscribe<Result>(payload, {
        next(value) {
          markReady();
          if (value.errors?.length) {
            failure = new LedgerClientError(value.errors);
            markFailed(failure);
            return finish();
          }
          const data = value.data as Result;
          // A state sent again after a reconnect (a subscription that starts with the current state).
          const text = JSON.stringify(data);
          if (text === lastDelivered) return;
          lastDelivered = text;
          const cursor = resumable ? cursorOf(data) : undefined;
          if (cursor !== undefined) payload.variables.after = cursor;
          const waiter = waiters.shift();
          if (waiter) waiter.resolve({ value: data, done: false });
          else queue.push(data);
        },
        error(error) {
          failure = Array.isArray(error)
            ? new LedgerClientError(error as GraphQLFormattedError[])
            : isCloseEvent(error)
              ? new LedgerSocketClosedError(error.code, error.reason)
              : error instanceof Error
                ? error
                : new Error(String(error));
          markFailed(failure);
          finish();
        },
        complete: finish,
      });
      return {
        ready,
        close() {
          off();
          dispose();
          finish();
        },
        [Symbol.asyncIterator]() {
          return {
            next(): Promise<IteratorResult<Result>> {
              if (queue.length) return Promise.resolve({ value: queue.shift()!, done: false });
              if (failure) return Promise.reject(failure);
              if (done) return Promise.resolve({ value: undefined, done: true });
              return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
            },
            return(): Promise<IteratorResult<Result>> {
              dispose();
              finish();
              return Promise.resolve({ value: undefined, done: true });
            },
          };
        },
      };
    },
    async close() {
      await ws?.dispose();
    },
  };
}

function declaresVariable(document: DocumentNode, name: string): boolean {
  return document.definitions.some(
    (definition) =>
      definition.kind === 'OperationDefinition' &&
      (definition.variableDefinitions ?? []).some((variable) => variable.variable.name.value === name),
  );
}

/** The `cursor` of a subscription event's root field, if it selects one. */
function cursorOf(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const [root] = Object.values(data as Record<string, unknown>);
  const cursor = typeof root === 'object' && root !== null ? (root as { cursor?: unknown }).cursor : undefined;
  return typeof cursor === 'string' ? cursor : undefined;
}
