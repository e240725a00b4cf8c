import type { estypes } from '@elastic/elasticsearch';
import { ValidationError } from '@ledger/platform';
import type { BalanceChangesQuery, BalanceEntry, BalanceEntryPage, StatementQuery } from '@ledger/schema';
import { sequenceOf } from '../../domain/balance-projection.js';
import type { IndexNames } from './names.js';
import { pageSize } from './queries.js';

/**
 * The balance history on Elasticsearch: one immutable document per balance change, id
 * "<account>/<sequence>", externally versioned by its sequence (writing it again is a harmless
 * version conflict). Every query is a filtered, sorted search that stops after one page, so its
 * cost does not grow with the account's history: balanceAt sorts (at, sequence) descending and
 * takes one hit; a statement page and a live feed's catch-up read from a search_after point.
 */
export interface HistoryDocument extends BalanceEntry {
  readonly sequence: number;
}

export function historyDocument(entry: BalanceEntry): HistoryDocument {
  return {
    accountId: entry.accountId,
    transactionId: entry.transactionId,
    kind: entry.kind,
    amount: entry.amount,
    counterparty: entry.counterparty,
    balanceAfter: entry.balanceAfter,
    at: entry.at,
    position: entry.position,
    sequence: sequenceOf(entry.position),
  };
}

function entryFromSource(source: HistoryDocument): BalanceEntry {
  return {
    accountId: source.accountId,
    transactionId: source.transactionId,
    kind: source.kind ?? null,
    amount: source.amount,
    counterparty: source.counterparty ?? null,
    balanceAfter: source.balanceAfter,
    at: source.at,
    position: source.position,
  };
}

/** Bulk index actions of new entries (to send before the documents that stand after them). */
export function historyOperations(names: IndexNames, generation: string, entries: readonly BalanceEntry[]): object[] {
  return entries.flatMap((entry) => {
    const document = historyDocument(entry);
    return [
      {
        index: {
          _index: names.writeAlias(generation, 'history'),
          _id: `${entry.accountId}/${document.sequence}`,
          version: document.sequence,
          version_type: 'external',
        },
      },
      document,
    ];
  });
}

/** Changes up to a sequence only (a statement read as of one moment), when it is given. */
const untilFilter = (untilSequence: number | undefined): estypes.QueryDslQueryContainer[] =>
  untilSequence === undefined ? [] : [{ range: { sequence: { lte: untilSequence } } }];

export function balanceAtSearch(
  index: string,
  accountId: string,
  at: string,
  untilSequence?: number,
): estypes.SearchRequest {
  return {
    index,
    query: {
      bool: {
        filter: [{ term: { accountId } }, { range: { at: { lte: epochMillis(at) } } }, ...untilFilter(untilSequence)],
      },
    },
    sort: [{ at: { order: 'desc' } }, { sequence: { order: 'desc' } }],
    size: 1,
    track_total_hits: false,
  };
}

export function balanceAtOf(response: estypes.SearchResponse<HistoryDocument>): string {
  const hit = response.hits.hits[0];
  return hit?._source ? hit._source.balanceAfter : '0';
}

export function statementSearch(index: string, accountId: string, query: StatementQuery): estypes.SearchRequest {
  return {
    index,
    query: {
      bool: {
        filter: [
          { term: { accountId } },
          { range: { at: { gt: epochMillis(query.from), lte: epochMillis(query.to) } } },
          ...untilFilter(query.untilSequence),
        ],
      },
    },
    sort: [{ at: { order: 'asc' } }, { sequence: { order: 'asc' } }],
    ...(query.after ? { search_after: [epochMillis(query.after.at), query.after.sequence] } : {}),
    size: pageSize(query.first) + 1,
    track_total_hits: false,
  };
}

/** Changes of `query.accountIds` after its sequence and up to `checkpoint`, the partition's. */
export function balanceChangesSearch(
  index: string,
  query: BalanceChangesQuery,
  checkpoint: number,
): estypes.SearchRequest {
  return {
    index,
    query: {
      bool: {
        filter: [
          { terms: { accountId: [...query.accountIds] } },
          { range: { sequence: { gt: query.afterSequence, lte: checkpoint } } },
        ],
      },
    },
    sort: [{ sequence: { order: 'asc' } }],
    size: pageSize(query.first) + 1,
    track_total_hits: false,
  };
}

export function historyPage(response: estypes.SearchResponse<HistoryDocument>, first: number): BalanceEntryPage {
  const size = pageSize(first);
  const hits = response.hits.hits;
  return {
    entries: hits.slice(0, size).flatMap((hit) => (hit._source ? [entryFromSource(hit._source)] : [])),
    hasNextPage: hits.length > size,
  };
}

function epochMillis(iso: string): number {
  const millis = Date.parse(iso);
  if (Number.isNaN(millis)) throw new ValidationError(`"${iso}" is not an ISO-8601 date`);
  return millis;
}
