import type { RequestHandler } from 'express';

/**
 * Trusted documents (persisted operations): the client's operations are known ahead, from GraphQL Code
 * Generator's persisted-documents manifest, and a client names one by its sha256 hash in Apollo's
 * persisted-query extension (`extensions.persistedQuery.sha256Hash`).
 * `only`: nothing else runs; `allow`: free text runs too; `off`: the same, and the default.
 */
export type TrustedDocumentsMode = 'only' | 'allow' | 'off';

export interface TrustedDocumentsOptions {
  readonly mode: TrustedDocumentsMode;
  /** sha256 hex of each document's text -> that text. */
  readonly manifest: Readonly<Record<string, string>>;
}

/** The text to run, or why nothing runs. */
export type DocumentResolution =
  | { readonly ok: true; readonly query: unknown }
  | { readonly ok: false; readonly code: string; readonly message: string };

/** The hash of a request's persisted-query extension, if it names one. */
export function persistedHashOf(extensions: unknown): string | undefined {
  if (typeof extensions !== 'object' || extensions === null) return undefined;
  const persisted = (extensions as { persistedQuery?: unknown }).persistedQuery;
  if (typeof persisted !== 'object' || persisted === null) return undefined;
  const hash = (persisted as { sha256Hash?: unknown }).sha256Hash;
  return typeof hash === 'string' ? hash : undefined;
}

/** Decides what a request runs, from its hash (if any) and its free text (if any); one rule for HTTP and websockets. */
export function resolveDocument(
  options: TrustedDocumentsOptions,
  request: { readonly query?: unknown; readonly hash?: string },
): DocumentResolution {
  const { mode, manifest } = options;
  if (request.hash !== undefined) {
    const trusted = Object.hasOwn(manifest, request.hash) ? manifest[request.hash] : undefined;
    if (trusted !== undefined) return { ok: true, query: trusted };
    if (mode === 'only') {
      return {
        ok: false,
        code: 'PERSISTED_QUERY_NOT_IN_LIST',
        message: 'this gateway runs only the operations of its trusted documents, and this hash is not one of them',
      };
    }
    // Apollo's automatic persisted queries: an unknown hash alone asks the client to send the text.
    if (typeof request.query !== 'string') {
      return { ok: false, code: 'PERSISTED_QUERY_NOT_FOUND', message: 'PersistedQueryNotFound' };
    }
    return { ok: true, query: request.query };
  }
  if (mode === 'only') {
    return {
      ok: false,
      code: 'PERSISTED_QUERY_ID_REQUIRED',
      message:
        'this gateway runs only trusted documents: send the sha256 hash of a known operation in extensions.persistedQuery',
    };
  }
  return { ok: true, query: request.query };
}

const refuse = (response: Parameters<RequestHandler>[1], refusal: { code: string; message: string }): void => {
  response.status(400).json({ errors: [{ message: refusal.message, extensions: { code: refusal.code } }] });
};

const parseJson = (text: string | null): unknown => {
  try {
    return text === null ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
};

/**
 * Express middleware in front of Apollo on /graphql: a known hash becomes its document's text (and
 * the extension is dropped, so Apollo's own persisted-query cache is never needed nor filled), and
 * in `only` mode anything else is refused before it is parsed.
 */
export function trustedDocumentsMiddleware(options: TrustedDocumentsOptions): RequestHandler {
  return (request, response, next) => {
    if (request.method === 'POST') {
      const body: unknown = request.body;
      // Apollo refuses batches (arrays) and bodies that are not objects itself.
      if (typeof body !== 'object' || body === null || Array.isArray(body)) return next();
      const fields = body as { query?: unknown; extensions?: unknown };
      const hash = persistedHashOf(fields.extensions);
      const resolution = resolveDocument(options, { query: fields.query, hash });
      if (!resolution.ok) return refuse(response, resolution);
      if (hash !== undefined) {
        fields.query = resolution.query;
        const { persistedQuery: _dropped, ...rest } = fields.extensions as Record<string, unknown>;
        fields.extensions = rest;
      }
      return next();
    }
    if (request.method === 'GET') {
      const url = new URL(request.url, 'http://gateway');
      const hash = persistedHashOf(parseJson(url.searchParams.get('extensions')));
      const resolution = resolveDocument(options, { query: url.searchParams.get('query') ?? undefined, hash });
      if (!resolution.ok) return refuse(response, resolution);
      if (hash !== undefined && typeof resolution.query === 'string') {
        url.searchParams.set('query', resolution.query);
        url.searchParams.delete('extensions');
        request.url = `${url.pathname}${url.search}`;
      }
    }
    return next();
  };
}
