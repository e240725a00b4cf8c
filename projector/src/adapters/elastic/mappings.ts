import type { estypes } from '@elastic/elasticsearch';
import type { AccountView, TransactionView } from '@ledger/schema';
import type { IndexKind } from './names.js';

/** A stored account: the view plus the sequence of its position, which is also its external version. */
export interface AccountDocument extends AccountView {
  readonly sequence: number;
}

export interface TransactionDocument extends TransactionView {
  readonly sequence: number;
}

/** One per partition, id = the partition number; its external version is the sequence. */
export interface CheckpointDocument {
  readonly partition: number;
  readonly sequence: number;
}

// Filtered and sorted on: exact terms.
const term: estypes.MappingProperty = { type: 'keyword' };
// Money as its digit string: a JSON number would pass through a double and lose 64-bit values.
const money: estypes.MappingProperty = { type: 'keyword' };
// Served from _source only, never searched.
const stored: estypes.MappingProperty = { type: 'keyword', index: false, doc_values: false };
const date: estypes.MappingProperty = { type: 'date' };
const sequence: estypes.MappingProperty = { type: 'long' };

/**
 * Explicit and strict: a field the code does not know is a bug to report, not a mapping for
 * Elasticsearch to guess (a guessed mapping of a money string could become a number).
 */
export const MAPPINGS: Record<IndexKind, estypes.MappingTypeMapping> = {
  accounts: {
    dynamic: 'strict',
    properties: {
      id: term,
      owner: term,
      balance: money,
      status: term,
      version: { type: 'long' },
      updatedAt: date,
      position: term,
      sequence,
    },
  },
  transactions: {
    dynamic: 'strict',
    properties: {
      id: term,
      kind: term,
      from: term,
      to: term,
      amount: money,
      status: term,
      failureReason: stored,
      initiatedBy: stored,
      createdAt: date,
      updatedAt: date,
      accountPositions: stored,
      position: term,
      sequence,
    },
  },
  // The balance history (see history.ts): filtered by account, sorted by time or sequence.
  history: {
    dynamic: 'strict',
    properties: {
      accountId: term,
      transactionId: stored,
      kind: stored,
      amount: stored,
      counterparty: stored,
      balanceAfter: stored,
      at: date,
      position: stored,
      sequence,
    },
  },
  checkpoints: {
    dynamic: 'strict',
    properties: { partition: { type: 'integer' }, sequence },
  },
};

/** Field by field, so nothing beyond the mapping reaches the strict index. */
export function accountDocument(account: AccountView, sequence: number): AccountDocument {
  return {
    id: account.id,
    owner: account.owner,
    balance: account.balance,
    status: account.status,
    version: account.version,
    updatedAt: account.updatedAt,
    position: account.position,
    sequence,
  };
}

export function accountFromSource(source: AccountDocument): AccountView {
  return {
    id: source.id,
    owner: source.owner,
    balance: source.balance,
    status: source.status,
    version: source.version,
    updatedAt: source.updatedAt,
    position: source.position,
  };
}

export function transactionDocument(transaction: TransactionView, sequence: number): TransactionDocument {
  return {
    id: transaction.id,
    kind: transaction.kind,
    from: transaction.from,
    to: transaction.to,
    amount: transaction.amount,
    status: transaction.status,
    failureReason: transaction.failureReason,
    initiatedBy: transaction.initiatedBy,
    createdAt: transaction.createdAt,
    updatedAt: transaction.updatedAt,
    accountPositions: [...transaction.accountPositions],
    position: transaction.position,
    sequence,
  };
}

export function transactionFromSource(source: TransactionDocument): TransactionView {
  return {
    id: source.id,
    kind: source.kind,
    from: source.from ?? null,
    to: source.to ?? null,
    amount: source.amount,
    status: source.status,
    failureReason: source.failureReason ?? null,
    initiatedBy: source.initiatedBy ?? null,
    createdAt: source.createdAt,
    updatedAt: source.updatedAt,
    accountPositions: [...(source.accountPositions ?? [])],
    position: source.position,
  };
}
