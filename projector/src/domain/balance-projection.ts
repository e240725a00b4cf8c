import { formatPosition, parseMoney } from '@ledger/platform/core';
import type {
  AccountView,
  BalanceEntry,
  BalanceNotice,
  LedgerEvent,
  RecordedAccountEvent,
  RecordedTransactionEvent,
} from '@ledger/schema';
import type { TransactionView } from '@ledger/schema';

/** What the projection sends out after its documents are committed. */
export type ProjectionNotification =
  | { readonly type: 'balanceChanged'; readonly notice: BalanceNotice }
  | { readonly type: 'transactionUpdated'; readonly transaction: TransactionView };

/** The documents an event batch touches, by id, as currently stored. */
export interface ProjectionState {
  readonly accounts: ReadonlyMap<string, AccountView>;
  readonly transactions: ReadonlyMap<string, TransactionView>;
}

export interface ProjectionResult {
  /** New documents, one per changed id (the last state reached in the batch). */
  readonly accounts: AccountView[];
  readonly transactions: TransactionView[];
  /** New entries of the accounts' balance histories, in event order. */
  readonly history: BalanceEntry[];
  /** In event order. */
  readonly notifications: ProjectionNotification[];
}

/** Ids of the documents `events` may change, to load before projecting. */
export function documentIds(events: readonly LedgerEvent[]): { accountIds: string[]; transactionIds: string[] } {
  const accountIds = new Set<string>();
  const transactionIds = new Set<string>();
  for (const event of events) {
    if (isAccountEvent(event)) accountIds.add(event.aggregateId);
    else transactionIds.add(event.aggregateId);
  }
  return { accountIds: [...accountIds], transactionIds: [...transactionIds] };
}

/**
 * Ids of the aggregates that start in `events` (their version 1 is here). Their documents have
 * nothing stored yet when `events` come after the generation's checkpoint, so they need no load.
 */
export function startedIn(events: readonly LedgerEvent[]): Set<string> {
  const started = new Set<string>();
  for (const event of events) if (event.version === 1) started.add(event.aggregateId);
  return started;
}

/**
 * Applies `events` (ordered by position) to the current documents. An event whose sequence is not
 * above the document's stored position was applied already: it changes nothing and notifies nothing,
 * so redelivery and replay are no-ops.
 */
export function projectBalance(state: ProjectionState, events: readonly LedgerEvent[]): ProjectionResult {
  const accounts = new Map(state.accounts);
  const transactions = new Map(state.transactions);
  const changedAccounts = new Set<string>();
  const changedTransactions = new Set<string>();
  const notifications: ProjectionNotification[] = [];
  const history: BalanceEntry[] = [];

  for (const event of events) {
    if (isAccountEvent(event)) {
      const current = accounts.get(event.aggregateId);
      if (current && !isNewer(event, current.position)) continue;
      const next = evolveAccount(current, event);
      accounts.set(next.id, next);
      changedAccounts.add(next.id);
      const entry = balanceEntry(next, event);
      if (entry) {
        history.push(entry);
        const previousSequence = current ? sequenceOf(current.position) : 0;
        notifications.push({ type: 'balanceChanged', notice: noticeOf(entry, previousSequence) });
      }
    } else {
      const current = transactions.get(event.aggregateId);
      if (current && !isNewer(event, current.position)) continue;
      const next = evolveTransaction(current, event);
      transactions.set(next.id, next);
      changedTransactions.add(next.id);
      notifications.push({ type: 'transactionUpdated', transaction: next });
    }
  }
  return {
    accounts: [...changedAccounts].map((id) => accounts.get(id)!),
    transactions: [...changedTransactions].map((id) => transactions.get(id)!),
    history,
    notifications,
  };
}

export function evolveAccount(current: AccountView | undefined, event: RecordedAccountEvent): AccountView {
  // An account event before AccountOpened cannot happen in partition order; start from an empty
  // document rather than drop the event, so the balance is never lost.
  const base: AccountView = current ?? {
    id: event.aggregateId,
    owner: '',
    balance: '0',
    status: 'OPEN',
    version: 0,
    updatedAt: event.occurredAt,
    position: formatPosition(event.position),
  };
  // Clocks of different writers may disagree by a little: an account's times never go back, so its
  // history in time order is its history in position order.
  const updatedAt = current && current.updatedAt > event.occurredAt ? current.updatedAt : event.occurredAt;
  // One spread, then the fields written out: V8 copies `{ ...a, x }` on a fast path, but a second
  // spread (`{ ...a, ...b }`) takes its slow one, about 2 us an object, and this runs for every event.
  const version = event.version;
  const position = formatPosition(event.position);
  switch (event.type) {
    case 'AccountOpened':
      return { ...base, version, updatedAt, position, owner: event.data.owner, status: 'OPEN' };
    case 'MoneyDeposited':
    case 'MoneyWithdrawn':
      // The event carries the balance after it: no arithmetic, so replay cannot drift.
      return { ...base, version, updatedAt, position, balance: event.data.balance };
    case 'OwnerChanged':
      return { ...base, version, updatedAt, position, owner: event.data.owner };
    case 'AccountClosed':
      return { ...base, version, updatedAt, position, status: 'CLOSED' };
    default: {
      const never: never = event;
      throw new Error(`unknown account event ${JSON.stringify(never)}`);
    }
  }
}

export function evolveTransaction(
  current: TransactionView | undefined,
  event: RecordedTransactionEvent,
): TransactionView {
  const base: TransactionView = current ?? {
    id: event.aggregateId,
    kind: 'TRANSFER',
    from: null,
    to: null,
    amount: '0',
    status: 'PENDING',
    failureReason: null,
    initiatedBy: null,
    createdAt: event.occurredAt,
    updatedAt: event.occurredAt,
    accountPositions: [],
    position: formatPosition(event.position),
  };
  const updatedAt = event.occurredAt;
  const position = formatPosition(event.position);
  switch (event.type) {
    case 'TransactionRequested':
      return {
        ...base,
        updatedAt,
        position,
        kind: event.data.kind,
        from: event.data.from,
        to: event.data.to,
        amount: event.data.amount,
        status: 'PENDING',
        initiatedBy: event.metadata.actor ?? null,
        createdAt: event.occurredAt,
      };
    case 'TransactionSucceeded':
      return {
        ...base,
        updatedAt,
        position,
        status: 'SUCCEEDED',
        failureReason: null,
        accountPositions: [...event.data.positions],
      };
    case 'TransactionFailed':
      return {
        ...base,
        updatedAt,
        position,
        status: 'FAILED',
        failureReason: event.data.reason,
        accountPositions: [...event.data.positions],
      };
    default: {
      const never: never = event;
      throw new Error(`unknown transaction event ${JSON.stringify(never)}`);
    }
  }
}

/** The history entry of a money event, from the account as it stands after it. */
function balanceEntry(account: AccountView, event: RecordedAccountEvent): BalanceEntry | null {
  if (event.type !== 'MoneyDeposited' && event.type !== 'MoneyWithdrawn') return null;
  const amount = parseMoney(event.data.amount);
  return {
    accountId: account.id,
    transactionId: event.data.transactionId,
    kind: event.data.kind,
    amount: (event.type === 'MoneyDeposited' ? amount : -amount).toString(),
    counterparty: event.data.counterparty,
    balanceAfter: account.balance,
    at: account.updatedAt,
    position: account.position,
  };
}

/** The entry with the sequence of the account's event before it, written out (see evolveAccount on spreads). */
function noticeOf(entry: BalanceEntry, previousSequence: number): BalanceNotice {
  return {
    accountId: entry.accountId,
    transactionId: entry.transactionId,
    kind: entry.kind,
    amount: entry.amount,
    counterparty: entry.counterparty,
    balanceAfter: entry.balanceAfter,
    at: entry.at,
    position: entry.position,
    previousSequence,
  };
}

function isAccountEvent(event: LedgerEvent): event is RecordedAccountEvent {
  switch (event.type) {
    case 'AccountOpened':
    case 'MoneyDeposited':
    case 'MoneyWithdrawn':
    case 'OwnerChanged':
    case 'AccountClosed':
      return true;
    default:
      return false;
  }
}

/** Sequence of a "p:s" position; a document's events all share one partition. */
export function sequenceOf(position: string): number {
  return Number(position.slice(position.indexOf(':') + 1));
}

function isNewer(event: LedgerEvent, storedPosition: string): boolean {
  return event.position.sequence > sequenceOf(storedPosition);
}
