import { errors } from '@elastic/elasticsearch';
import type { Client, DiagnosticResult, TransportRequestOptions } from '@elastic/elasticsearch';
import type { ElasticClient } from '../adapters/elastic/client.js';

/**
 * An in-memory stand-in for the few client calls the read model makes, following Elasticsearch's
 * semantics where the swap protocol depends on them: aliases (atomic `_aliases` with `must_exist`,
 * `require_alias` writes), external versions (a write wins only with a higher version),
 * `_seq_no`/`_primary_term` conditional writes, real-time get/mget (no refresh needed), indices
 * auto-created by a plain write to a missing name, and 404 bodies as the client sees them. It is
 * not a server: it replaces the client object, so tests can hold any call and interleave others
 * while it waits. Searches are not modelled.
 */
export interface FakeElasticsearch {
  readonly elastic: ElasticClient;
  /** Every call so far, by name (`bulk`, `indices.updateAliases`...), with its params. */
  readonly calls: Array<{ readonly name: string; readonly params: Record<string, unknown> }>;
  /** Holds the next call of `name` until `release()`; `reached` resolves when it arrives. */
  holdNext(name: string): { readonly reached: Promise<void>; release(): void };
  /** Indices and the aliases on each. */
  aliases(): Record<string, string[]>;
  /** Indices a plain write created on the fly, with guessed mappings. */
  autoCreated(): string[];
}

interface StoredDocument {
  readonly source: unknown;
  readonly version: number;
  readonly seqNo: number;
}

interface FakeIndex {
  readonly docs: Map<string, StoredDocument>;
  readonly aliases: Set<string>;
  seqNo: number;
  /** Whether the mappings came from the request (an auto-created index guesses them). */
  readonly explicitMappings: boolean;
}

const PRIMARY_TERM = 1;

export function createFakeElasticsearch(): FakeElasticsearch {
  const indices = new Map<string, FakeIndex>();
  const calls: FakeElasticsearch['calls'] = [];
  const holds = new Map<string, { arrived: () => void; released: Promise<void> }>();

  const responseError = (statusCode: number, body: unknown): errors.ResponseError =>
    new errors.ResponseError({
      body,
      statusCode,
      headers: {},
      warnings: null,
      meta: {},
    } as unknown as DiagnosticResult);

  // Error bodies as Elasticsearch writes them (type, reason, and the index for index errors).
  const indexNotFound = (index: string) => ({
    root_cause: [{ type: 'index_not_found_exception', reason: `no such index [${index}]`, index }],
    type: 'index_not_found_exception',
    reason: `no such index [${index}]`,
    'resource.type': 'index_or_alias',
    'resource.id': index,
    index_uuid: '_na_',
    index,
  });
  const versionConflict = (index: string, id: string, reason: string) => ({
    type: 'version_conflict_engine_exception',
    reason: `[${id}]: version conflict, ${reason}`,
    index_uuid: 'uuid',
    shard: '0',
    index,
  });

  const aliasTargets = (alias: string): string[] =>
    [...indices].filter(([, index]) => index.aliases.has(alias)).map(([name]) => name);
  /** The concrete index a name stands for (an index, or an alias on exactly one), or undefined. */
  const resolve = (name: string): string | undefined => {
    if (indices.has(name)) return name;
    const targets = aliasTargets(name);
    return targets.length === 1 ? targets[0] : undefined;
  };
  const resolveOrThrow = (name: string): string => {
    const index = resolve(name);
    if (index === undefined) throw responseError(404, { error: indexNotFound(name), status: 404 });
    return index;
  };

  interface WriteRequest {
    readonly index: string;
    readonly id: string;
    readonly document: unknown;
    readonly version?: number;
    readonly version_type?: string;
    readonly if_seq_no?: number;
    readonly if_primary_term?: number;
    readonly op_type?: string;
    readonly require_alias?: boolean;
  }
  type WriteOutcome =
    | { readonly status: 200 | 201; readonly index: string; readonly stored: StoredDocument }
    | { readonly status: 404 | 409; readonly index: string; readonly error: object };

  const write = (request: WriteRequest): WriteOutcome => {
    let name = resolve(request.index);
    if (request.require_alias && (name === undefined || indices.has(request.index))) {
      const reason = `[require_alias] request flag is [true] and [${request.index}] is not an alias`;
      return { status: 404, index: request.index, error: { ...indexNotFound(request.index), reason } };
    }
    if (name === undefined) {
      // action.auto_create_index defaults to true: a write to a missing name creates the index.
      indices.set(request.index, { docs: new Map(), aliases: new Set(), seqNo: -1, explicitMappings: false });
      name = request.index;
    }
    const index = indices.get(name)!;
    const current = index.docs.get(request.id);
    const conflict = (reason: string): WriteOutcome => ({
      status: 409,
      index: name,
      error: versionConflict(name, request.id, reason),
    });
    if (request.op_type === 'create' && current) return conflict('document already exists');
    if (request.if_seq_no !== undefined) {
      if (!current || current.seqNo !== request.if_seq_no || request.if_primary_term !== PRIMARY_TERM) {
        return conflict(`required seqNo [${request.if_seq_no}], primary term [${request.if_primary_term}]`);
      }
    }
    let version = (current?.version ?? 0) + 1;
    if (request.version_type === 'external') {
      if (current && current.version >= request.version!) {
        return conflict(
          `current version [${current.version}] is higher or equal to the one provided [${request.version}]`,
        );
      }
      version = request.version!;
    }
    const stored = { source: structuredClone(request.document), version, seqNo: ++index.seqNo };
    index.docs.set(request.id, stored);
    return { status: current ? 200 : 201, index: name, stored };
  };
  const writeResult = (id: string, outcome: WriteOutcome) =>
    'stored' in outcome
      ? {
          _index: outcome.index,
          _id: id,
          _version: outcome.stored.version,
          result: outcome.status === 201 ? 'created' : 'updated',
          _shards: { total: 1, successful: 1, failed: 0 },
          _seq_no: outcome.stored.seqNo,
          _primary_term: PRIMARY_TERM,
        }
      : undefined;

  const getOne = (name: string, id: string) => {
    const index = resolve(name);
    if (index === undefined) return { _index: name, _id: id, error: indexNotFound(name) };
    const stored = indices.get(index)!.docs.get(id);
    if (!stored) return { _index: index, _id: id, found: false };
    return {
      _index: index,
      _id: id,
      _version: stored.version,
      _seq_no: stored.seqNo,
      _primary_term: PRIMARY_TERM,
      found: true,
      _source: structuredClone(stored.source),
    };
  };

  const names = (index: string | string[]): string[] => (Array.isArray(index) ? index : [index]);

  // Each operation types its own params; the table only dispatches by name.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const operations: Record<string, (params: any, options?: TransportRequestOptions) => unknown> = {
    get(params: { index: string; id: string }, options) {
      const result = getOne(params.index, params.id);
      if ('found' in result && result.found) return result;
      // A 404: either the document (found: false) or the index (an error body) is missing. `ignore`
      // makes the client return either body instead of throwing.
      const body = 'error' in result ? { error: result.error, status: 404 } : result;
      if (options?.ignore?.includes(404)) return body;
      throw responseError(404, body);
    },
    mget(params: { index?: string; ids?: string[]; docs?: Array<{ _index: string; _id: string }> }) {
      const wanted = params.docs ?? (params.ids ?? []).map((id) => ({ _index: params.index!, _id: id }));
      return { docs: wanted.map((doc) => getOne(doc._index ?? params.index!, doc._id)) };
    },
    index(params: WriteRequest) {
      const outcome = write(params);
      if ('error' in outcome) throw responseError(outcome.status, { error: outcome.error, status: outcome.status });
      return writeResult(params.id, outcome);
    },
    delete(params: { index: string; id: string; if_seq_no?: number; if_primary_term?: number }, options) {
      const index = resolveOrThrow(params.index);
      const current = indices.get(index)!.docs.get(params.id);
      if (current && params.if_seq_no !== undefined && current.seqNo !== params.if_seq_no) {
        throw responseError(409, { error: versionConflict(index, params.id, 'seqNo mismatch'), status: 409 });
      }
      if (!current) {
        const body = { _index: index, _id: params.id, result: 'not_found' };
        if (options?.ignore?.includes(404)) return body;
        throw responseError(404, body);
      }
      indices.get(index)!.docs.delete(params.id);
      indices.get(index)!.seqNo++;
      return { _index: index, _id: params.id, result: 'deleted' };
    },
    bulk(params: { operations: object[]; require_alias?: boolean }) {
      const items: object[] = [];
      for (let at = 0; at < params.operations.length; at += 2) {
        const action = (params.operations[at] as { index: Record<string, unknown> }).index;
        const id = action._id as string;
        const outcome = write({
          index: action._index as string,
          id,
          document: params.operations[at + 1],
          version: action.version as number | undefined,
          version_type: action.version_type as string | undefined,
          require_alias: params.require_alias,
        });
        items.push({
          index:
            'error' in outcome
              ? { _index: outcome.index, _id: id, status: outcome.status, error: outcome.error }
              : { ...writeResult(id, outcome), status: outcome.status },
        });
      }
      return { took: 1, errors: items.some((item) => 'error' in (item as { index: object }).index), items };
    },
    'indices.create'(params: { index: string; aliases?: Record<string, object> }) {
      if (indices.has(params.index)) {
        const error = {
          type: 'resource_already_exists_exception',
          reason: `index [${params.index}/uuid] already exists`,
          index: params.index,
        };
        throw responseError(400, { error, status: 400 });
      }
      indices.set(params.index, {
        docs: new Map(),
        aliases: new Set(Object.keys(params.aliases ?? {})),
        seqNo: -1,
        explicitMappings: true,
      });
      return { acknowledged: true, shards_acknowledged: true, index: params.index };
    },
    // Mappings only grow; the fake keeps none of the fields, so adding one is just acknowledged.
    'indices.putMapping': () => ({ acknowledged: true }),
    'indices.exists': (params: { index: string }) => indices.has(params.index),
    'indices.existsAlias': (params: { name: string }) => aliasTargets(params.name).length > 0,
    'indices.getAlias'(params: { name: string }) {
      const targets = aliasTargets(params.name);
      // A missing alias answers 404 with a plain message and no error type.
      if (targets.length === 0) throw responseError(404, { error: `alias [${params.name}] missing`, status: 404 });
      return Object.fromEntries(targets.map((index) => [index, { aliases: { [params.name]: {} } }]));
    },
    'indices.refresh'(params: { index: string | string[] }) {
      for (const name of names(params.index)) resolveOrThrow(name);
      return { _shards: { total: 1, successful: 1, failed: 0 } };
    },
    'indices.updateAliases'(params: {
      actions: Array<{
        add?: { index: string; alias: string };
        remove?: { index: string; alias: string; must_exist?: boolean };
      }>;
    }) {
      // Checked whole before any change: the request applies atomically or not at all.
      for (const action of params.actions) {
        const target = action.add ?? action.remove!;
        const index = indices.get(target.index);
        if (!index) throw responseError(404, { error: indexNotFound(target.index), status: 404 });
        if (action.remove?.must_exist && !index.aliases.has(target.alias)) {
          const error = { type: 'aliases_not_found_exception', reason: `aliases [${target.alias}] missing` };
          throw responseError(404, { error, status: 404 });
        }
      }
      for (const action of params.actions) {
        if (action.add) indices.get(action.add.index)!.aliases.add(action.add.alias);
        else indices.get(action.remove!.index)!.aliases.delete(action.remove!.alias);
      }
      return { acknowledged: true };
    },
    'indices.delete'(params: { index: string | string[]; ignore_unavailable?: boolean }) {
      for (const name of names(params.index)) {
        if (!indices.delete(name) && !params.ignore_unavailable) {
          throw responseError(404, { error: indexNotFound(name), status: 404 });
        }
      }
      return { acknowledged: true };
    },
    close: () => undefined,
  };

  const call =
    (name: string) =>
    async (params: Record<string, unknown> = {}, options?: TransportRequestOptions): Promise<unknown> => {
      calls.push({ name, params });
      const hold = holds.get(name);
      if (hold) {
        holds.delete(name);
        hold.arrived();
        await hold.released;
      }
      // A turn of the event loop, as a round trip would take: other calls may run meanwhile.
      await new Promise((resolve) => setImmediate(resolve));
      return operations[name]!(params, options);
    };

  const client = {
    get: call('get'),
    mget: call('mget'),
    index: call('index'),
    delete: call('delete'),
    bulk: call('bulk'),
    close: call('close'),
    indices: {
      create: call('indices.create'),
      exists: call('indices.exists'),
      putMapping: call('indices.putMapping'),
      existsAlias: call('indices.existsAlias'),
      getAlias: call('indices.getAlias'),
      refresh: call('indices.refresh'),
      updateAliases: call('indices.updateAliases'),
      delete: call('indices.delete'),
    },
  };

  return {
    elastic: { client: client as unknown as Client, bulkOptions: {} },
    calls,
    holdNext(name) {
      let arrived!: () => void;
      let release!: () => void;
      const reached = new Promise<void>((resolve) => (arrived = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      holds.set(name, { arrived, released });
      return { reached, release };
    },
    aliases: () => Object.fromEntries([...indices].map(([name, index]) => [name, [...index.aliases]])),
    autoCreated: () => [...indices].filter(([, index]) => !index.explicitMappings).map(([name]) => name),
  };
}
