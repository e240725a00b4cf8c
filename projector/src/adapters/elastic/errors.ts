import { errors } from '@elastic/elasticsearch';
import { isLedgerError, UnavailableError } from '@ledger/platform';

/** What a failed request or bulk item means for the read model. */
export type Fault =
  | 'missing-index'
  | 'version-conflict'
  | 'already-exists'
  | 'alias-missing'
  | 'incompatible-server'
  | 'unavailable'
  | 'other';

/** Classifies an Elasticsearch error by HTTP status and error type (`error.type` in the body). */
export function faultOf(status: number | undefined, type: string | undefined): Fault {
  if (type === 'index_not_found_exception') return 'missing-index';
  if (type === 'resource_already_exists_exception') return 'already-exists';
  if (type === 'aliases_not_found_exception') return 'alias-missing';
  // The server refuses the REST API version the client declares (another major).
  if (type === 'media_type_header_exception') return 'incompatible-server';
  if (status === 409) return 'version-conflict';
  // Overloaded (429), no master or shard (503), a proxy in between (502, 504): worth a retry.
  if (status === 429 || status === 502 || status === 503 || status === 504) return 'unavailable';
  return 'other';
}

/** The fault of an error thrown by the client (transport failures count as unavailable). */
export function faultOfError(error: unknown): Fault {
  if (error instanceof errors.ResponseError) {
    const body = error.body as { error?: { type?: string } | string } | undefined;
    const type = typeof body?.error === 'object' ? body.error.type : undefined;
    return faultOf(error.statusCode, type);
  }
  if (
    error instanceof errors.ConnectionError ||
    error instanceof errors.TimeoutError ||
    error instanceof errors.NoLivingConnectionsError
  ) {
    return 'unavailable';
  }
  return 'other';
}

/**
 * Engine errors stay inside the adapter: what callers may retry becomes UnavailableError, our own
 * typed errors pass through, anything else keeps its message (the edges mask unknown errors).
 */
export async function guard<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (isLedgerError(error)) throw error;
    const fault = faultOfError(error);
    if (fault === 'incompatible-server') {
      throw new Error(
        "Elasticsearch refused the client's REST API version: the read model's client is 9.x and needs an " +
          'Elasticsearch 9.x server (docker-compose.yml runs one)',
        { cause: error },
      );
    }
    if (fault === 'unavailable') {
      const unavailable = new UnavailableError('read model (Elasticsearch) is unavailable');
      unavailable.cause = error;
      throw unavailable;
    }
    throw error;
  }
}
