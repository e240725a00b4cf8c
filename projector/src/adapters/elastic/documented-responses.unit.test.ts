import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { IllegalStateError, NotFoundError, UnavailableError } from '@ledger/platform';
import type { ReadModel } from '../../ports/read-model.js';
import { createElasticReadModel } from './read-model.js';

/**
 * The read model and the real client against responses shaped as Elasticsearch documents them,
 * replayed by a local HTTP server: each test scripts what the "cluster" answers to which request
 * (method and path) and sees what the adapter makes of it. Nothing here interprets a request the
 * way Elasticsearch would; an unscripted request gets a 500 and fails the test.
 */

interface Answer {
  readonly status: number;
  readonly body?: unknown;
}
type Script = (method: string, path: string, body: string) => Answer | undefined;

let script: Script = () => undefined;
const seen: string[] = [];
const server = http.createServer((request, response) => {
  let body = '';
  request.on('data', (chunk: Buffer) => (body += chunk.toString()));
  request.on('end', () => {
    const path = (request.url ?? '').split('?')[0]!;
    seen.push(`${request.method} ${request.url}`);
    const answer = script(request.method!, path, body) ?? { status: 500, body: { error: `unscripted ${path}` } };
    response.writeHead(answer.status, {
      'content-type': 'application/vnd.elasticsearch+json;compatible-with=9',
      'x-elastic-product': 'Elasticsearch',
    });
    response.end(answer.body === undefined || request.method === 'HEAD' ? undefined : JSON.stringify(answer.body));
  });
});
let url = '';
before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

// Error bodies as ElasticsearchException#generateFailureXContent and BytesRestResponse write them
// (elastic/elasticsearch, server/src/main/java/org/elasticsearch/): `error.root_cause`, `type`,
// `reason` and the exception's metadata, plus `status` beside `error`.
const errorBody = (status: number, type: string, reason: string, extra: Record<string, unknown> = {}) => ({
  error: { root_cause: [{ type, reason, ...extra }], type, reason, ...extra },
  status,
});
const indexNotFound = (index: string) =>
  errorBody(404, 'index_not_found_exception', `no such index [${index}]`, {
    'resource.type': 'index_expression',
    'resource.id': index,
    index_uuid: '_na_',
    index,
  });

// Get API reference: a missing document is a 404 with `found: false` (no `error`).
const noLock: Script = (method, path) =>
  method === 'GET' && path === '/ledger-locks/_doc/swap'
    ? { status: 404, body: { _index: 'ledger-locks', _id: 'swap', found: false } }
    : undefined;
// Get alias API reference: index name -> its aliases.
const activeIs =
  (generation: string): Script =>
  (method, path) =>
    method === 'GET' && path === '/_alias/ledger-checkpoints'
      ? { status: 200, body: { [`ledger-checkpoints-${generation}`]: { aliases: { 'ledger-checkpoints': {} } } } }
      : undefined;
/**
 * What a starting read model asks: the lock index (exists), the checkpoints alias (exists, on g0)
 * and g0's history index (exists).
 */
const started: Script = (method, path, body) => {
  if (method === 'PUT' && path === '/ledger-locks') {
    return {
      status: 400,
      body: errorBody(400, 'resource_already_exists_exception', 'index [ledger-locks/Qx1] already exists', {
        index_uuid: 'Qx1',
        index: 'ledger-locks',
      }),
    };
  }
  if (method === 'HEAD' && (path === '/_alias/ledger-checkpoints' || path === '/ledger-history-g0')) {
    return { status: 200 };
  }
  // Update mapping API: PUT /<index>/_mapping answers {"acknowledged": true}.
  if (method === 'PUT' && path === '/ledger-transactions/_mapping')
    return { status: 200, body: { acknowledged: true } };
  return activeIs('g0')(method, path, body);
};
const scripts =
  (...all: Script[]): Script =>
  (method, path, body) => {
    for (const one of all) {
      const answer = one(method, path, body);
      if (answer) return answer;
    }
    return undefined;
  };

describe('elastic read model against documented responses', () => {
  const opened: ReadModel[] = [];
  const open = async (): Promise<ReadModel> => {
    const readModel = await createElasticReadModel({ url, partitions: 2, maxRetries: 0 });
    opened.push(readModel);
    return readModel;
  };
  after(() => Promise.all(opened.map((readModel) => readModel.close())));

  test('a bulk with 201, 409 and 429 items: UNAVAILABLE, and no checkpoint covers the rejected document', async () => {
    seen.length = 0;
    script = scripts(started, noLock, activeIs('g0'), (method, path) => {
      if (method === 'POST' && path === '/_bulk') {
        // Bulk API reference, "Response body" and its example with failed items: `errors` true, one item
        // per action with its own status; 429 es_rejected_execution_exception when a queue is full.
        const write = (_id: string) => ({ _index: 'ledger-accounts-g0', _id });
        return {
          status: 200,
          body: {
            took: 30,
            errors: true,
            items: [
              {
                index: {
                  ...write('a'),
                  _version: 4,
                  result: 'created',
                  _shards: { total: 2, successful: 1, failed: 0 },
                  _seq_no: 10,
                  _primary_term: 1,
                  status: 201,
                },
              },
              {
                index: {
                  ...write('b'),
                  status: 409,
                  error: {
                    type: 'version_conflict_engine_exception',
                    reason: '[b]: version conflict, current version [9] is higher or equal to the one provided [3]',
                    index_uuid: 'aAsFqTI0Tc2W0LCWgPNrOA',
                    shard: '0',
                    index: 'ledger-accounts-g0',
                  },
                },
              },
              {
                index: {
                  ...write('c'),
                  status: 429,
                  error: {
                    type: 'es_rejected_execution_exception',
                    reason:
                      'rejected execution of coordinating operation [coordinating_and_primary_bytes=0, replica_bytes=0, all_bytes=0, coordinating_operation_bytes=1024, max_coordinating_and_primary_bytes=0]',
                  },
                },
              },
            ],
          },
        };
      }
      return undefined;
    });
    const readModel = await open();
    const account = (id: string, sequence: number) => ({
      id,
      owner: 'ann',
      balance: '1',
      status: 'OPEN' as const,
      version: 1,
      updatedAt: '2024-01-01T00:00:00.000Z',
      position: `0:${sequence}`,
    });
    await assert.rejects(
      readModel.commit(
        'g0',
        {
          partition: 0,
          accounts: [account('a', 4), account('b', 3), account('c', 5)],
          transactions: [],
          checkpoint: 5,
        },
        { requireActive: true },
      ),
      (error: unknown) => error instanceof UnavailableError && /c \(429/.test(error.message),
    );
    assert.ok(seen.some((request) => request.startsWith('POST /_bulk')));
    assert.ok(!seen.some((request) => request.includes('/_doc/0')), 'no checkpoint write after a failed item');
    assert.ok(!seen.some((request) => request.includes('refresh')), 'a live bulk asks for no refresh');
  });

  test('an _mget naming a missing index: no active generation, or a generation that does not exist', async () => {
    script = scripts(started, (method, path, body) => {
      if (path.endsWith('/_mget')) {
        // Multi get API reference: a doc that failed (here its index is missing) carries `error`
        // instead of `found`; the request as a whole still answers 200.
        const index = path.split('/')[1]!;
        const ids = (JSON.parse(body) as { ids: string[] }).ids;
        return {
          status: 200,
          body: { docs: ids.map((_id) => ({ _index: index, _id, error: indexNotFound(index).error })) },
        };
      }
      return undefined;
    });
    const readModel = await open();
    await assert.rejects(readModel.getAccount('a'), IllegalStateError);
    await assert.rejects(readModel.load('g1x-0000abcd', ['a'], []), NotFoundError);
  });

  test('a missing read alias (404 with a plain message) means no active generation', async () => {
    let running = false;
    // RestGetAliasesAction answers a missing alias with a plain-string `error`, no type. Here the
    // alias goes missing after the read model started.
    script = scripts(
      (method, path) =>
        running && method === 'GET' && path === '/_alias/ledger-checkpoints'
          ? { status: 404, body: { error: 'alias [ledger-checkpoints] missing', status: 404 } }
          : undefined,
      started,
    );
    const readModel = await open();
    running = true;
    await assert.rejects(readModel.activeGeneration(), /no active generation/);
  });

  test('an _aliases update whose must_exist remove fails leaves the swap refused, lock released', async () => {
    const candidate = 'gmx2n90jy-772a6993';
    const lock = { generation: candidate, expiresAt: Date.now() + 60_000 };
    const lockWrites: string[] = [];
    script = scripts(started, activeIs('g0'), (method, path, body) => {
      if (method === 'HEAD' && path === `/ledger-checkpoints-${candidate}`) return { status: 200 };
      if (path === '/ledger-locks/_doc/swap' && method === 'GET') {
        return {
          status: 200,
          body: {
            _index: 'ledger-locks',
            _id: 'swap',
            _version: 1,
            _seq_no: 0,
            _primary_term: 1,
            found: true,
            _source: lock,
          },
        };
      }
      if (path.startsWith('/ledger-locks/_')) {
        lockWrites.push(body);
        return {
          status: 200,
          body: { _index: 'ledger-locks', _id: 'swap', result: 'updated', _seq_no: 1, _primary_term: 1 },
        };
      }
      if (path.endsWith('/_refresh')) return { status: 200, body: { _shards: { total: 3, successful: 3, failed: 0 } } };
      if (path.endsWith('/_mget')) {
        const index = path.split('/')[1]!;
        const ids = (JSON.parse(body) as { ids: string[] }).ids;
        const docs = ids.map((_id) => ({
          _index: index,
          _id,
          _version: 1,
          _seq_no: 0,
          _primary_term: 1,
          found: true,
          _source: { partition: Number(_id), sequence: 3 },
        }));
        return { status: 200, body: { docs } };
      }
      if (method === 'POST' && path === '/_aliases') {
        // Aliases API (`must_exist: true` on a remove whose alias is gone: another swap won) raises
        // AliasesNotFoundException, type aliases_not_found_exception.
        return {
          status: 404,
          body: errorBody(404, 'aliases_not_found_exception', 'aliases [ledger-accounts] missing', {
            'resource.type': 'aliases',
            'resource.id': 'ledger-accounts',
          }),
        };
      }
      return undefined;
    });
    const readModel = await open();
    assert.equal(await readModel.swap(candidate), false);
    assert.deepEqual(
      lockWrites.map((write) => (JSON.parse(write) as { expiresAt: number }).expiresAt === 0),
      [false, true],
      'renewed before the alias update, released after it',
    );
  });

  test('a server of another major refuses the version header (400): the error says which server is needed', async () => {
    script = () => ({
      // What an 8.x server answers a 9.x client: elastic/elasticsearch#80253 (RestRequest's
      // MediaTypeHeaderException) and the message quoted in elastic/mcp-server-elasticsearch#190.
      status: 400,
      body: {
        error: {
          root_cause: [
            {
              type: 'media_type_header_exception',
              reason: 'Invalid media-type value on headers [Accept, Content-Type]',
            },
          ],
          type: 'media_type_header_exception',
          reason: 'Invalid media-type value on headers [Accept, Content-Type]',
          caused_by: {
            type: 'status_exception',
            reason:
              'Accept version must be either version 8 or 7, but found 9. Accept=application/vnd.elasticsearch+json; compatible-with=9',
          },
        },
        status: 400,
      },
    });
    await assert.rejects(
      createElasticReadModel({ url, partitions: 2, maxRetries: 0 }),
      /needs an Elasticsearch 9\.x server/,
    );
  });
});
