import { Client } from '@elastic/elasticsearch';
import type { TransportRequestOptions } from '@elastic/elasticsearch';

export interface ElasticClientOptions {
  /** e.g. http://127.0.0.1:9200 (credentials may sit in the URL). */
  readonly url: string;
  /**
   * REST API version the requests declare: 9 (default), the client's own major, for the 9.x
   * servers compose runs; 8 for an 8.x server (a 9.x server also understands it, through REST API
   * compatibility). A server of another major refuses every request (400, media_type_header_exception).
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

/** The official client (9.x), speaking to a server of its own major unless told otherwise. */
export function createElasticClient(options: ElasticClientOptions): ElasticClient {
  const apiVersion = options.apiVersion ?? 9;
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
