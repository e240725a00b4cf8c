import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { DiagnosticResult } from '@elastic/elasticsearch';
import { createElasticClient } from './client.js';
import { indexNames } from './names.js';
import { transactionsSearch } from './queries.js';
import { checkpointRequest } from './writes.js';
import { createElasticReadModel } from './read-model.js';

/** A local port nothing listens on: requests to it are refused at once, no server involved. */
async function closedPortUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** The headers and body the client puts on the wire for `request`, read from its own diagnostics. */
async function sent(
  elastic: ReturnType<typeof createElasticClient>,
  request: () => Promise<unknown>,
): Promise<{ method: string; path: string; querystring: string; headers: Record<string, unknown>; body: string }> {
  let seen: DiagnosticResult | undefined;
  const listener = (_error: unknown, result: DiagnosticResult | null) => {
    seen ??= result ?? undefined;
  };
  elastic.client.diagnostic.on('request', listener);
  try {
    await assert.rejects(request());
  } finally {
    elastic.client.diagnostic.off('request', listener);
  }
  const params = seen!.meta.request.params;
  return {
    method: params.method,
    path: params.path,
    querystring: String(params.querystring ?? ''),
    headers: { ...params.headers },
    body: String(params.body ?? ''),
  };
}

describe('elastic client', async () => {
  const url = await closedPortUrl();
  const opened: Array<ReturnType<typeof createElasticClient>> = [];
  const open = (apiVersion?: 8 | 9) => {
    const elastic = createElasticClient({ url, ...(apiVersion ? { apiVersion } : {}) });
    opened.push(elastic);
    return elastic;
  };
  after(() => Promise.all(opened.map((elastic) => elastic.client.close())));

  test('declares REST API version 8 on JSON and NDJSON requests when asked (8.x servers)', async () => {
    const elastic = open(8);
    const search = await sent(elastic, () => elastic.client.search({ index: 'x', size: 1 }, { maxRetries: 0 }));
    assert.equal(search.headers['accept'], 'application/vnd.elasticsearch+json; compatible-with=8');
    assert.equal(search.headers['content-type'], 'application/vnd.elasticsearch+json; compatible-with=8');

    const bulk = await sent(elastic, () =>
      elastic.client.bulk(
        { operations: [{ index: { _index: 'x', _id: '1', version: 7, version_type: 'external' } }, { a: 1 }] },
        { ...elastic.bulkOptions, maxRetries: 0 },
      ),
    );
    assert.equal(bulk.headers['content-type'], 'application/vnd.elasticsearch+x-ndjson; compatible-with=8');
    assert.equal(bulk.headers['accept'], 'application/vnd.elasticsearch+json; compatible-with=8');
    assert.deepEqual(
      bulk.body
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown),
      [{ index: { _index: 'x', _id: '1', version: 7, version_type: 'external' } }, { a: 1 }],
    );
  });

  test('a checkpoint write carries its external version and require_alias in the query string', async () => {
    const elastic = open();
    const request = await sent(elastic, () =>
      elastic.client.index(checkpointRequest(indexNames('ledger'), 'g0', 3, 9), { maxRetries: 0 }),
    );
    assert.equal(request.method, 'PUT');
    assert.equal(request.path, '/ledger-checkpoints-g0-write/_doc/3');
    assert.deepEqual(Object.fromEntries(new URLSearchParams(request.querystring)), {
      version: '9',
      version_type: 'external',
      require_alias: 'true',
    });
    assert.deepEqual(JSON.parse(request.body), { partition: 3, sequence: 9 });
  });

  test('a transaction search sends its query, sort and search_after in the body', async () => {
    const elastic = open();
    const search = transactionsSearch('ledger-transactions', 'acc', {
      first: 2,
      after: { createdAt: '2024-01-01T00:05:00.000Z', id: 't5' },
    });
    const request = await sent(elastic, () => elastic.client.search(search, { maxRetries: 0 }));
    assert.equal(request.path, '/ledger-transactions/_search');
    const body = JSON.parse(request.body) as Record<string, unknown>;
    assert.deepEqual(body.search_after, [Date.parse('2024-01-01T00:05:00.000Z'), 't5']);
    assert.deepEqual(body.sort, search.sort);
    assert.deepEqual(body.query, search.query);
    assert.equal(body.size, 3);
    assert.equal(body.track_total_hits, false);
  });

  test("by default the client's own headers declare version 9, its major and the server's in compose", async () => {
    const elastic = open();
    const search = await sent(elastic, () => elastic.client.search({ index: 'x' }, { maxRetries: 0 }));
    assert.match(String(search.headers['accept']), /compatible-with=9/);
  });

  test('an unreachable cluster reads as UNAVAILABLE when the read model starts', async () => {
    await assert.rejects(createElasticReadModel({ url, partitions: 2, maxRetries: 0 }), {
      code: 'UNAVAILABLE',
    });
  });
});
