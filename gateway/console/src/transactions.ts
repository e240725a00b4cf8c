import { AccountWithTransactionsDocument, TransactionDocument } from '@ledger/client';
import type { TransactionFieldsFragment } from '@ledger/client';
import { byId, flash, h } from './dom.js';
import { formatMoney, formatTime, shortId } from './format.js';
import type { Session } from './session.js';

const KEEP = 60;
// On opening, the table starts with the latest transactions of the accounts that changed last.
const RECENT_ACCOUNTS = 10;
const RECENT_PER_ACCOUNT = 5;
// A busy ledger names more transactions a second than a person can read: the page reads a few at a
// time, and of those heard of meanwhile only the newest wait their turn.
const READS_AT_ONCE = 4;
const WAITING_AT_MOST = 20;

interface Shown {
  readonly row: HTMLTableRowElement;
  readonly createdAt: string;
  readonly settled: boolean;
}

/**
 * Recent transactions, newest first: each balance change names its transaction, which is read
 * through the `transaction` query (again while it is still PENDING). On opening, the latest
 * transactions of the accounts that changed last come first (`account { transactions }`), so the
 * table does not start empty on a ledger that already has some.
 */
export function createTransactionsView(
  session: Session,
  ownerOf: (id: string | null | undefined) => string | undefined,
) {
  const body = byId<HTMLTableElement>('transactions').tBodies[0]!;
  const empty = byId('transactions-empty');
  const shown = new Map<string, Shown>();
  const reading = new Set<string>();
  const waiting: string[] = [];

  const party = (id: string | null | undefined): HTMLElement => {
    const owner = ownerOf(id);
    return h('span', { className: 'mono', title: id ?? '', text: owner ? `${owner} (${shortId(id)})` : shortId(id) });
  };

  const render = (transaction: TransactionFieldsFragment): HTMLTableRowElement => {
    const sign = transaction.kind === 'WITHDRAWAL' ? 'negative' : transaction.kind === 'DEPOSIT' ? 'positive' : '';
    return h(
      'tr',
      {},
      h('td', { className: 'muted', text: formatTime(transaction.createdAt) }),
      h('td', { text: transaction.kind.toLowerCase() }),
      h('td', { className: `num mono ${sign}`, text: formatMoney(transaction.amount) }),
      h('td', {}, party(transaction.from), ' → ', party(transaction.to)),
      h(
        'td',
        { title: transaction.failureReason ?? '' },
        h('span', { className: `pill ${transaction.status}`, text: transaction.status }),
      ),
    );
  };

  /** Puts the row where its time belongs (reads finish in any order), newest first; drops the oldest past KEEP. */
  const show = (transaction: TransactionFieldsFragment, live = true): void => {
    const row = render(transaction);
    const { id, createdAt } = transaction;
    const previous = shown.get(id);
    if (previous) previous.row.replaceWith(row);
    else {
      const later = [...shown.values()].filter((other) => other.createdAt >= createdAt).length;
      const before = body.rows[later];
      if (before) body.insertBefore(row, before);
      else body.append(row);
    }
    shown.set(id, { row, createdAt, settled: transaction.status !== 'PENDING' });
    if (live) flash(row);
    while (shown.size > KEEP) {
      const oldest = body.rows[body.rows.length - 1]!;
      const [gone] = [...shown].find(([, each]) => each.row === oldest)!;
      oldest.remove();
      shown.delete(gone);
    }
    empty.hidden = true;
  };

  const read = async (id: string): Promise<void> => {
    if (reading.has(id)) return;
    reading.add(id);
    try {
      const { transaction } = await session.request(TransactionDocument, { id });
      if (!transaction) return;
      show(transaction);
      if (transaction.status === 'PENDING') setTimeout(() => hear(id), 1000);
    } finally {
      reading.delete(id);
    }
  };

  const pump = (): void => {
    while (reading.size < READS_AT_ONCE && waiting.length > 0) {
      void read(waiting.shift()!)
        .catch(() => undefined)
        .finally(pump);
    }
  };

  /** A transaction to read: dropped when it is shown settled, or when newer ones crowd it out. */
  const hear = (id: string): void => {
    if (shown.get(id)?.settled || reading.has(id) || waiting.includes(id)) return;
    waiting.push(id);
    if (waiting.length > WAITING_AT_MOST) waiting.shift();
    pump();
  };

  /** The latest transactions of `accountIds` (the first RECENT_ACCOUNTS of them). */
  const recent = async (accountIds: readonly string[]): Promise<void> => {
    const pages = await Promise.all(
      accountIds
        .slice(0, RECENT_ACCOUNTS)
        .map((id) => session.request(AccountWithTransactionsDocument, { id, first: RECENT_PER_ACCOUNT })),
    );
    for (const { account } of pages) {
      for (const { node } of account?.transactions.edges ?? []) {
        if (shown.has(node.id)) continue; // a live read got there first, and is as new
        show(node, false);
        if (node.status === 'PENDING') setTimeout(() => hear(node.id), 1000);
      }
    }
  };

  return {
    seen(transactionId: string | null | undefined): void {
      if (transactionId) hear(transactionId);
    },
    recent,
  };
}
