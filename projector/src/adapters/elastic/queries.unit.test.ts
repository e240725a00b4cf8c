import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { estypes } from '@elastic/elasticsearch';
import { accountDocument, transactionDocument } from './mappings.js';
import type { AccountDocument, TransactionDocument } from './mappings.js';
import {
  accountPage,
  accountsCount,
  accountsSearch,
  latestTransactionsSearch,
  pageSize,
  transactionPage,
  transactionsSearch,
} from './queries.js';

function response<T>(sources: T[], total?: number): estypes.SearchResponse<T> {
  return {
    took: 1,
    timed_out: false,
    _shards: { total: 1, successful: 1, failed: 0 },
    hits: {
      ...(total === undefined ? {} : { total: { value: total, relation: 'eq' as const } }),
      hits: sources.map((source, i) => ({ _index: 'i', _id: String(i), _source: source })),
    },
  };
}

const account = (id: string, owner: string): AccountDocument =>
  accountDocument(
    { id, owner, balance: '0', status: 'OPEN', version: 1, updatedAt: '2024-01-01T00:00:00.000Z', position: '0:1' },
    1,
  );

const transaction = (id: string): TransactionDocument =>
  transactionDocument(
    {
      id,
      kind: 'DEPOSIT',
      from: null,
      to: 'a',
      amount: '1',
      status: 'SUCCEEDED',
      failureReason: null,
      initiatedBy: null,
      createdAt: '2024-01-01T00:00:00.000Z',
      updatedAt: '2024-01-01T00:00:00.000Z',
      accountPositions: [],
      position: '0:1',
    },
    1,
  );

describe('elastic account queries', () => {
  test('all accounts: owner then id ascending, one extra hit, no total (counted apart, when asked)', () => {
    assert.deepEqual(accountsSearch('ledger-accounts', { first: 2 }), {
      index: 'ledger-accounts',
      query: { match_all: {} },
      sort: [{ owner: { order: 'asc' } }, { id: { order: 'asc' } }],
      size: 3,
      track_total_hits: false,
    });
    assert.deepEqual(accountsCount('ledger-accounts', {}), { index: 'ledger-accounts', query: { match_all: {} } });
    assert.deepEqual(accountsCount('ledger-accounts', { owner: 'bob' }), {
      index: 'ledger-accounts',
      query: { term: { owner: 'bob' } },
    });
  });

  test("one owner's accounts after a cursor: a term filter and search_after on (owner, id)", () => {
    const request = accountsSearch('ledger-accounts', { owner: 'bob', first: 5, after: { owner: 'bob', id: 'a' } });
    assert.deepEqual(request.query, { term: { owner: 'bob' } });
    assert.deepEqual(request.search_after, ['bob', 'a']);
    assert.equal(request.size, 6);
  });

  test('a page keeps `first` hits and says whether more follow', () => {
    const hits = [account('b', 'alice'), account('c', 'alice'), account('a', 'bob')];
    const page = accountPage(response(hits, 5), 2);
    assert.deepEqual(
      page.accounts.map((a) => a.id),
      ['b', 'c'],
    );
    assert.equal(page.hasNextPage, true);
    assert.equal('sequence' in page.accounts[0]!, false, 'the stored sequence is not part of the view');
    const last = accountPage(response(hits.slice(0, 2), 2), 2);
    assert.equal(last.hasNextPage, false);
    assert.deepEqual(accountPage(response([], 0), 10), { accounts: [], hasNextPage: false });
  });
});

describe('elastic transaction queries', () => {
  test("an account's transactions: from or to it, newest first, ties by id descending", () => {
    const request = transactionsSearch('ledger-transactions', 'acc', { first: 20 });
    assert.deepEqual(request.query, {
      bool: {
        filter: [{ bool: { should: [{ term: { from: 'acc' } }, { term: { to: 'acc' } }], minimum_should_match: 1 } }],
      },
    });
    assert.deepEqual(request.sort, [{ createdAt: { order: 'desc' } }, { id: { order: 'desc' } }]);
    assert.equal(request.size, 21);
    assert.equal(request.search_after, undefined);
  });

  test("every account's newest transactions: no filter, the same sort, at most what one search may return", () => {
    const request = latestTransactionsSearch('ledger-transactions', 20);
    assert.deepEqual(request.query, { match_all: {} });
    assert.deepEqual(request.sort, [{ createdAt: { order: 'desc' } }, { id: { order: 'desc' } }]);
    assert.equal(request.size, 20);
    assert.equal(latestTransactionsSearch('ledger-transactions', 20_000).size, 9_999);
  });

  test('the cursor time becomes the epoch milliseconds that date sort values are', () => {
    const request = transactionsSearch('ledger-transactions', 'acc', {
      first: 2,
      after: { createdAt: '2024-01-01T00:05:00.000Z', id: 't5a' },
    });
    assert.deepEqual(request.search_after, [Date.parse('2024-01-01T00:05:00.000Z'), 't5a']);
  });

  test('a cursor with a malformed time is bad input', () => {
    assert.throws(
      () => transactionsSearch('ledger-transactions', 'acc', { first: 2, after: { createdAt: 'yesterday', id: 'x' } }),
      { code: 'VALIDATION' },
    );
  });

  test('a transaction page keeps `first` hits and says whether more follow', () => {
    const page = transactionPage(response([transaction('t2'), transaction('t1')]), 1);
    assert.deepEqual(
      page.transactions.map((t) => t.id),
      ['t2'],
    );
    assert.equal(page.hasNextPage, true);
    assert.equal(transactionPage(response([transaction('t1')]), 1).hasNextPage, false);
  });

  test('page sizes stay within what one search may return', () => {
    assert.equal(pageSize(-3), 0);
    assert.equal(pageSize(2.7), 2);
    assert.equal(pageSize(1_000_000), 9_999);
    assert.equal(accountsSearch('x', { first: 0 }).size, 1);
  });
});
