import type { LedgerEvent, RecordedAccountEvent, TransactionStatus } from '@ledger/schema';
import type { Acknowledged } from './workload.js';

/** What the store's log says, and what is wrong with it, measured against what the clients were told. */
export interface StoreAudit {
  readonly violations: string[];
  /** Status of every transaction by its terminal event (PENDING when it has none). */
  readonly status: ReadonlyMap<string, TransactionStatus>;
  /** Each account's balance after its last event, and its number of events. */
  readonly accounts: ReadonlyMap<string, { readonly balance: bigint; readonly version: number }>;
  readonly events: number;
}

const LIMIT = 5;

type MoneyEvent = Extract<RecordedAccountEvent, { type: 'MoneyDeposited' | 'MoneyWithdrawn' }>;

/** Collects violations by rule, naming a few examples of each. */
function violationList() {
  const found = new Map<string, string[]>();
  return {
    add(rule: string, example: string): void {
      const examples = found.get(rule) ?? [];
      examples.push(example);
      found.set(rule, examples);
    },
    list(): string[] {
      return [...found].map(
        ([rule, examples]) =>
          `${rule}: ${examples.length} (${examples.slice(0, LIMIT).join('; ')}${examples.length > LIMIT ? '; ...' : ''})`,
      );
    },
  };
}

/**
 * Audits the whole event log: each acknowledged operation is one transaction (its key recorded once),
 * settled by exactly one terminal event, and moved money at most once per step; every account's
 * history has versions 1..n without a duplicate, and each balance follows from the one before.
 */
export function auditStore(events: readonly LedgerEvent[], acknowledged: readonly Acknowledged[]): StoreAudit {
  const violations = violationList();
  const requestedByKey = new Map<string, string[]>();
  const requested = new Set<string>();
  const terminal = new Map<string, TransactionStatus[]>();
  const byAccount = new Map<string, RecordedAccountEvent[]>();
  /** "<txId>/<withdraw|deposit|refund>" -> account events of that step. */
  const steps = new Map<string, MoneyEvent[]>();
  const eventIds = new Set<string>();

  for (const event of events) {
    if (eventIds.has(event.eventId)) violations.add('event recorded twice', event.eventId);
    eventIds.add(event.eventId);
    if (event.aggregateType === 'Transaction') {
      if (event.type === 'TransactionRequested') {
        requested.add(event.aggregateId);
        const key = event.metadata.idempotencyKey ?? '(no key)';
        requestedByKey.set(key, [...(requestedByKey.get(key) ?? []), event.aggregateId]);
      } else if (event.type === 'TransactionSucceeded' || event.type === 'TransactionFailed') {
        const status = event.type === 'TransactionSucceeded' ? 'SUCCEEDED' : 'FAILED';
        terminal.set(event.aggregateId, [...(terminal.get(event.aggregateId) ?? []), status]);
      }
    } else {
      const accountEvent = event as RecordedAccountEvent;
      byAccount.set(event.aggregateId, [...(byAccount.get(event.aggregateId) ?? []), accountEvent]);
      if (accountEvent.type === 'MoneyDeposited' || accountEvent.type === 'MoneyWithdrawn') {
        const step =
          accountEvent.type === 'MoneyWithdrawn' ? 'withdraw' : accountEvent.data.refund ? 'refund' : 'deposit';
        const id = `${accountEvent.data.transactionId}/${step}`;
        steps.set(id, [...(steps.get(id) ?? []), accountEvent]);
      }
    }
  }

  for (const [key, ids] of requestedByKey) {
    if (ids.length > 1) violations.add('one key, several transactions', `${key}: ${ids.join(', ')}`);
  }
  const acknowledgedIds = new Set<string>();
  const status = new Map<string, TransactionStatus>();
  for (const { operation, transactionId } of acknowledged) {
    acknowledgedIds.add(transactionId);
    const ids = requestedByKey.get(operation.key) ?? [];
    if (!ids.includes(transactionId)) {
      violations.add('acknowledged but not in the store', `${operation.key} -> ${transactionId}`);
    }
  }
  for (const id of requested) {
    if (!acknowledgedIds.has(id)) violations.add('in the store but never acknowledged', id);
    const ends = terminal.get(id) ?? [];
    if (ends.length > 1) violations.add('settled more than once', `${id}: ${ends.join(', ')}`);
    status.set(id, ends[0] ?? 'PENDING');
  }
  for (const id of terminal.keys()) if (!requested.has(id)) violations.add('settled but never requested', id);

  for (const [id, step] of steps) if (step.length > 1) violations.add('money moved twice by one step', id);
  for (const { operation, transactionId } of acknowledged) {
    const moved = (step: string) => steps.get(`${transactionId}/${step}`)?.[0];
    const withdrawn = moved('withdraw');
    const deposited = moved('deposit');
    const refunded = moved('refund');
    const settled = status.get(transactionId);
    const wrong = (what: string) => violations.add(what, `${operation.kind} ${transactionId} (${settled})`);
    if (withdrawn && withdrawn.aggregateId !== operation.from) wrong('money taken from the wrong account');
    if (deposited && deposited.aggregateId !== operation.to) wrong('money given to the wrong account');
    for (const event of [withdrawn, deposited, refunded]) {
      if (event && BigInt(event.data.amount) !== operation.amount) wrong('money moved in the wrong amount');
    }
    const debits = operation.from !== null;
    const credits = operation.to !== null;
    if (settled === 'SUCCEEDED') {
      if (debits !== Boolean(withdrawn) || credits !== Boolean(deposited) || refunded) {
        wrong('succeeded without exactly its own money events');
      }
    } else if (settled === 'FAILED') {
      if (deposited || Boolean(withdrawn) !== Boolean(refunded)) wrong('failed but kept money moved');
    }
  }

  const accounts = new Map<string, { balance: bigint; version: number }>();
  for (const [accountId, history] of byAccount) {
    let balance = 0n;
    history.sort((a, b) => a.version - b.version);
    history.forEach((event, i) => {
      if (event.version !== i + 1)
        violations.add('account history with a gap or a duplicate', `${accountId} v${event.version}`);
      if (event.type === 'MoneyDeposited' || event.type === 'MoneyWithdrawn') {
        const amount = BigInt(event.data.amount);
        balance += event.type === 'MoneyDeposited' ? amount : -amount;
        if (BigInt(event.data.balance) !== balance) {
          violations.add('balance after an event does not follow', `${accountId} v${event.version}`);
        }
        if (balance < 0n) violations.add('negative balance', `${accountId} v${event.version}`);
      }
    });
    accounts.set(accountId, { balance, version: history.length });
  }

  return { violations: violations.list(), status, accounts, events: events.length };
}
