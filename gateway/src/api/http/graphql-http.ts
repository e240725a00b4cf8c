import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap } from '@apollo/server';
import type { ApolloServer, HTTPGraphQLRequest } from '@apollo/server';
import bodyParser from 'body-parser';
import { traced, tracingEnabled } from '@ledger/platform';
import type { Logger, TraceCarrier } from '@ledger/platform';
import { contextOf } from '../graphql/context.js';
import type { GatewayContext, GatewayServices } from '../graphql/context.js';
import { trustGetSearch, trustPostBody } from '../graphql/trusted-documents.js';
import type { Refusal, TrustedDocumentsOptions } from '../graphql/trusted-documents.js';
import { authenticateRequest } from '../../auth/http.js';
import type { RequestIdentity } from '../../auth/principal.js';
import type { Authenticator } from '../../auth/tokens.js';
import { INTERNAL_ERROR } from '../error-codes.js';
import { spendRequest } from './rate-limit.js';
import type { RequestBudget } from './rate-limit.js';
import { clientErrorOfRequest, setRefusalHeaders } from './request-errors.js';

export const GRAPHQL_PATH = '/graphql';

export interface GraphqlHttpOptions {
  readonly apollo: ApolloServer<GatewayContext>;
  readonly services: GatewayServices;
  readonly authenticator: Authenticator;
  readonly trustedDocuments: TrustedDocumentsOptions;
  /** Every request spends one request of its subject's budget. */
  readonly budget?: RequestBudget;
  /** Largest JSON body accepted. */
  readonly bodyLimit?: string;
  readonly logger: Logger;
}

/** A request for /graphql (with or without a trailing slash, any query string). */
export function isGraphqlRequest(request: IncomingMessage): boolean {
  const url = request.url ?? '';
  const end = url.indexOf('?');
  const path = end === -1 ? url : url.slice(0, end);
  return path === GRAPHQL_PATH || path === `${GRAPHQL_PATH}/`;
}

const headerOf = (value: string | string[] | undefined): string | undefined =>
  typeof value === 'string' ? value : undefined;

const sendErrors = (response: ServerResponse, status: number, refusal: Refusal): void => {
  response.statusCode = status;
  response.setHeader('content-type', 'application/json; charset=utf-8');
  response.end(JSON.stringify({ errors: [{ message: refusal.message, extensions: { code: refusal.code } }] }));
};

/**
 * GraphQL over HTTP on plain node:http, the way Apollo's standalone server does it (this is the
 * gateway's hot path, so no router sits in front of it): the caller is authenticated, spends one
 * request of its budget, the JSON body is read within its limit, a trusted document's hash becomes
 * its text, and Apollo answers, inside the request's trace span when tracing is on. Refusals answer
 * `{ errors: [{ message, extensions: { code } }] }` with their HTTP status.
 */
export function graphqlHttpHandler(
  options: GraphqlHttpOptions,
): (request: IncomingMessage, response: ServerResponse) => void {
  const { apollo, services, authenticator, budget, trustedDocuments, logger } = options;
  const readJson = bodyParser.json({ limit: options.bodyLimit ?? '64kb' });
  const readBody = (request: IncomingMessage, response: ServerResponse): Promise<unknown> =>
    new Promise((resolve, reject) =>
      readJson(request, response, (error?: unknown) =>
        error ? reject(error) : resolve((request as { body?: unknown }).body),
      ),
    );

  async function execute(request: IncomingMessage, response: ServerResponse, identity: RequestIdentity): Promise<void> {
    const method = (request.method ?? 'GET').toUpperCase();
    const url = request.url ?? '';
    const query = url.indexOf('?');
    let search = query === -1 ? '' : url.slice(query);
    let body: unknown;
    if (method === 'POST') {
      body = await readBody(request, response);
      const refusal = trustPostBody(trustedDocuments, body);
      if (refusal) return sendErrors(response, 400, refusal);
    } else if (method === 'GET') {
      const trusted = trustGetSearch(trustedDocuments, search);
      if (!trusted.ok) return sendErrors(response, 400, trusted);
      search = trusted.search;
    }
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const httpGraphQLRequest: HTTPGraphQLRequest = { method, headers, search, body };
    const answer = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest,
      context: async () => contextOf(services, identity.principal, identity.requestId),
    });
    for (const [name, value] of answer.headers) response.setHeader(name, value);
    response.statusCode = answer.status ?? 200;
    if (answer.body.kind === 'complete') {
      response.end(answer.body.string);
      return;
    }
    for await (const chunk of answer.body.asyncIterator) response.write(chunk);
    response.end();
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      const identity = await authenticateRequest(authenticator, request, response);
      if (budget) await spendRequest(budget, request);
      if (!tracingEnabled()) return await execute(request, response, identity);
      // The request's span: everything the operation awaits (the command, its append) runs inside it.
      const caller: TraceCarrier = {
        traceparent: headerOf(request.headers.traceparent),
        tracestate: headerOf(request.headers.tracestate),
      };
      await traced(`graphql ${request.method}`, { kind: 'server', parent: caller }, () =>
        execute(request, response, identity),
      );
    } catch (error) {
      let client = clientErrorOfRequest(error);
      if (!client) {
        logger.error({ err: error, method: request.method, path: GRAPHQL_PATH }, 'unexpected error in a request');
        client = INTERNAL_ERROR;
      }
      if (response.headersSent) {
        response.destroy();
        return;
      }
      setRefusalHeaders(response, error);
      sendErrors(response, client.status, client);
    }
  }

  return (request, response) => void handle(request, response);
}
