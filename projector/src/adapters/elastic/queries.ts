import type { estypes } from '@elastic/elasticsearch';
import { ValidationError } from '@ledger/platform';
import type { AccountCursor, AccountPage, TransactionCursor, TransactionPage } from '../../ports/read-model.js';
import type { AccountDocument, TransactionDocument } from './mappings.js';
import { accountFromSource, transactionFromSource } from './mappings.js';

// index.max_result_window (10,000 by default) bounds `size` even with search_after; one extra hit
// tells whether there is a next page.
const MAX_PAGE = 9_999;

/** Page size asked for, clamped to what one search can return (one more hit is fetched). */
export function pageSize(first: number): number {
  return Math.min(Math.max(0, Math.trunc(first)), MAX_PAGE);
}

/**
 * Accounts by owner then id, keyset-paginated with search_after on the same two keys. No total: an
 * exact one would visit every match on every page; `accountsCount` asks for it only when wanted.
 */
export function accountsSearch(
  index: string,
  query: { owner?: string; first: number; after?: AccountCursor },
): estypes.SearchRequest {
  return {
    index,
    query: ownerQuery(query.owner),
    sort: [{ owner: { order: 'asc' } }, { id: { order: 'asc' } }],
    ...(query.after ? { search_after: [query.after.owner, query.after.id] } : {}),
    size: pageSize(query.first) + 1,
    track_total_hits: false,
  };
}

/** The exact count of the accounts a listing with the same filter walks (the _count API). */
export function accountsCount(index: string, query: { owner?: string }): estypes.CountRequest {
  return { index, query: ownerQuery(query.owner) };
}

function ownerQuery(owner: string | undefined): estypes.QueryDslQueryContainer {
  return owner === undefined ? { match_all: {} } : { term: { owner } };
}

/**
 * An account's transactions (it is the source or the destination), newest first: createdAt then
 * id, descending. Date sort values are epoch milliseconds, so the cursor's time is sent as such.
 */
export function transactionsSearch(
  index: string,
  accountId: string,
  query: { first: number; after?: TransactionCursor },
): estypes.SearchRequest {
  return {
    index,
    query: {
      bool: {
        filter: [
          { bool: { should: [{ term: { from: accountId } }, { term: { to: accountId } }], minimum_should_match: 1 } },
        ],
      },
    },
    sort: [{ createdAt: { order: 'desc' } }, { id: { order: 'desc' } }],
    ...(query.after ? { search_after: [epochMillis(query.after.createdAt), query.after.id] } : {}),
    size: pageSize(query.first) + 1,
    track_total_hits: false,
  };
}

/** The newest transactions of every account: the same sort as an account's listing, no filter. */
export function latestTransactionsSearch(index: string, first: number): estypes.SearchRequest {
  return {
    index,
    query: { match_all: {} },
    sort: [{ createdAt: { order: 'desc' } }, { id: { order: 'desc' } }],
    size: pageSize(first),
    track_total_hits: false,
  };
}

export function accountPage(response: estypes.SearchResponse<AccountDocument>, first: number): AccountPage {
  const size = pageSize(first);
  const hits = response.hits.hits;
  return {
    accounts: hits.slice(0, size).map((hit) => accountFromSource(sourceOf(hit))),
    hasNextPage: hits.length > size,
  };
}

export function transactionPage(response: estypes.SearchResponse<TransactionDocument>, first: number): TransactionPage {
  const size = pageSize(first);
  const hits = response.hits.hits;
  return {
    transactions: hits.slice(0, size).map((hit) => transactionFromSource(sourceOf(hit))),
    hasNextPage: hits.length > size,
  };
}

function epochMillis(iso: string): number {
  const millis = Date.parse(iso);
  if (Number.isNaN(millis)) throw new ValidationError(`cursor time "${iso}" is not an ISO-8601 date`);
  return millis;
}

function sourceOf<T>(hit: estypes.SearchHit<T>): T {
  // _source is on unless a request turns it off, which these never do.
  if (hit._source === undefined) throw new Error(`search hit ${hit._id ?? '?'} in ${hit._index} has no _source`);
  return hit._source;
}
