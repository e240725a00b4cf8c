import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { estypes } from '@elastic/elasticsearch';
import { ValidationError } from '@ledger/platform';
import type { BalanceEntry } from '@ledger/schema';
import type { HistoryDocument } from './history.js';
import {
  balanceAtOf,
  balanceAtSearch,
  balanceChangesSearch,
  historyDocument,
  historyOperations,
  historyPage,
  statementSearch,
} from './history.js';
import { MAPPINGS } from './mappings.js';
import { indexNames } from './names.js';

const entry = (sequence: number, balanceAfter: string): BalanceEntry => ({
  accountId: 'acc',
  transactionId: `tx-${sequence}`,
  kind: 'TRANSFER',
  amount: '-5',
  counterparty: 'other',
  balanceAfter,
  at: '2024-01-01T00:00:00.000Z',
  position: `2:${sequence}`,
});

// A search response as the _search API documents it.
function response(sources: HistoryDocument[]): estypes.SearchResponse<HistoryDocument> {
  return {
    took: 1,
    timed_out: false,
    _shards: { total: 1, successful: 1, failed: 0 },
    hits: { hits: sources.map((source) => ({ _index: 'h', _id: `acc/${source.sequence}`, _source: source })) },
  };
}

describe('elastic balance history', () => {
  test('documents hold exactly the mapped fields, ids and external versions follow the position', () => {
    const document = historyDocument(entry(7, '10'));
    assert.deepEqual(Object.keys(document).sort(), Object.keys(MAPPINGS.history.properties!).sort());
    const [action, source] = historyOperations(indexNames('ledger'), 'g0', [entry(7, '10')]);
    assert.deepEqual(action, {
      index: { _index: 'ledger-history-g0-write', _id: 'acc/7', version: 7, version_type: 'external' },
    });
    assert.deepEqual(source, document);
  });

  test('balanceAt: the last change at or before the time, sorted by time then sequence; "0" without one', () => {
    const request = balanceAtSearch('ledger-history', 'acc', '2024-01-01T00:01:00.000Z');
    assert.deepEqual(request.sort, [{ at: { order: 'desc' } }, { sequence: { order: 'desc' } }]);
    assert.equal(request.size, 1);
    assert.deepEqual(request.query, {
      bool: { filter: [{ term: { accountId: 'acc' } }, { range: { at: { lte: Date.UTC(2024, 0, 1, 0, 1) } } }] },
    });
    assert.deepEqual(balanceAtSearch('ledger-history', 'acc', '2024-01-01T00:01:00.000Z', 12).query, {
      bool: {
        filter: [
          { term: { accountId: 'acc' } },
          { range: { at: { lte: Date.UTC(2024, 0, 1, 0, 1) } } },
          { range: { sequence: { lte: 12 } } },
        ],
      },
    });
    assert.equal(balanceAtOf(response([historyDocument(entry(9, '42'))])), '42');
    assert.equal(balanceAtOf(response([])), '0');
  });

  test('statement pages continue after the cursor (time in epoch millis, then sequence), one extra hit', () => {
    const request = statementSearch('ledger-history', 'acc', {
      from: '2024-01-01T00:00:00.000Z',
      to: '2024-01-02T00:00:00.000Z',
      first: 2,
      after: { at: '2024-01-01T00:00:00.500Z', sequence: 7 },
    });
    assert.deepEqual(request.search_after, [Date.UTC(2024, 0, 1) + 500, 7]);
    const asOf = statementSearch('ledger-history', 'acc', {
      from: '2024-01-01T00:00:00.000Z',
      to: '2024-01-02T00:00:00.000Z',
      first: 2,
      untilSequence: 30,
    });
    assert.deepEqual(asOf.query, {
      bool: {
        filter: [
          { term: { accountId: 'acc' } },
          { range: { at: { gt: Date.UTC(2024, 0, 1), lte: Date.UTC(2024, 0, 2) } } },
          { range: { sequence: { lte: 30 } } },
        ],
      },
    });
    assert.equal(request.size, 3);
    const page = historyPage(response([8, 9, 10].map((s) => historyDocument(entry(s, String(s))))), 2);
    assert.deepEqual(
      page.entries.map((e) => e.position),
      ['2:8', '2:9'],
    );
    assert.equal(page.hasNextPage, true);
    assert.throws(() => statementSearch('h', 'acc', { from: 'yesterday', to: 'today', first: 1 }), ValidationError);
  });

  test('a live feed reads past its sequence and never beyond the checkpoint, in sequence order', () => {
    const request = balanceChangesSearch(
      'ledger-history',
      { partition: 2, accountIds: ['a', 'b'], afterSequence: 5, first: 10 },
      40,
    );
    assert.deepEqual(request.query, {
      bool: { filter: [{ terms: { accountId: ['a', 'b'] } }, { range: { sequence: { gt: 5, lte: 40 } } }] },
    });
    assert.deepEqual(request.sort, [{ sequence: { order: 'asc' } }]);
  });
});
