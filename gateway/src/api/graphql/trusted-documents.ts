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

export interface Refusal {
  readonly code: string;
  readonly message: string;
}

const parseJson = (text: string | null): unknown => {
  try {
    return text === null ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
};

/**
 * In front of Apollo on a POST to /graphql: a known hash becomes its document's text, in the body (and
 * the extension is dropped, so Apollo's own persisted-query cache is never needed nor filled); in
 * `only` mode anything else is refused before it is parsed. Answers the refusal, or null.
 */
export function trustPostBody(options: TrustedDocumentsOptions, body: unknown): Refusal | null {
  // Apollo refuses batches (arrays) and bodies that are not objects itself.
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const fields = body as { query?: unknown; extensions?: unknown };
  const hash = persistedHashOf(fields.extensions);
  if (hash === undefined && options.mode !== 'only') return null;
  const resolution = resolveDocument(options, { query: fields.query, hash });
  if (!resolution.ok) return resolution;
  if (hash !== undefined) {
    fields.query = resolution.query;
    const { persistedQuery: _dropped, ...rest } = fields.extensions as Record<string, unknown>;
    fields.extensions = rest;
  }
  return null;
}

/** The same for a GET: the query string to run (`?query=...`), or the refusal. */
export function trustGetSearch(
  options: TrustedDocumentsOptions,
  search: string,
): { readonly ok: true; readonly search: string } | ({ readonly ok: false } & Refusal) {
  const params = new URLSearchParams(search);
  const hash = persistedHashOf(parseJson(params.get('extensions')));
  const resolution = resolveDocument(options, { query: params.get('query') ?? undefined, hash });
  if (!resolution.ok) return resolution;
  if (hash === undefined || typeof resolution.query !== 'string') return { ok: true, search };
  params.set('query', resolution.query);
  params.delete('extensions');
  return { ok: true, search: `?${params.toString()}` };
}
