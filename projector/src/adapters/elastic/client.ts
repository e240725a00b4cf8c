import { Client } from '@elastic/elasticsearch';
import type { TransportRequestOptions } from '@elastic/elasticsearch';

export interface ElasticClientOptions {
  /** e.g. http://127.0.0.1:9200 (credentials may sit in the URL). */
  readonly url: string;
  /**
   * REST API version the requests declare. 8 is understood by 8.x servers and, through REST API
   * compatibility, by 9.x; 9 (the client's own default) only by 9.x.
   */
  readonly apiVersion?: 8 | 9;
  readonly requestTimeoutMs?: number;
  /** Retries of a request that found no node (the client's default is 3). */
  readonly maxRetries?: number;
}

export interface ElasticClient {
  readonly client: Client;
  /** Options for bulk requests (their NDJSON body needs its own content type). */
  readonly bulkOptions: TransportRequestOptions;
}

/** The official client, set up to talk to 8.x and 9.x servers alike by default. */
export function createElasticClient(options: ElasticClientOptions): ElasticClient {
  const apiVersion = options.apiVersion ?? 8;
  const base = {
    node: options.url,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    maxRetries: options.maxRetries ?? 3,
  };
  if (apiVersion === 9) return { client: new Client(base), bulkOptions: {} };
  // Accept and Content-Type must name the same compatible version, or the server refuses the request.
  const compatible = (type: string) => `application/vnd.elasticsearch+${type}; compatible-with=${apiVersion}`;
  return {
    client: new Client({
      ...base,
      headers: { accept: compatible('json'), 'content-type': compatible('json') },
    }),
    bulkOptions: { headers: { 'content-type': compatible('x-ndjson') } },
  };
}
