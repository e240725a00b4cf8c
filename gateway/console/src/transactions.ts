import { AccountWithTransactionsDocument, TransactionDocument } from '@ledger/client';
import type { TransactionFieldsFragment } from '@ledger/client';
import { byId, flash, h } from './dom.js';
import { formatMoney, formatTime, shortId } from './format.js';
import type { Session } from './session.js';

const KEEP = 60;
// On opening, the table starts with the latest transactions of the accounts that changed last.
const RECENT_ACCOUNTS = 10;
const RECENT_PER_ACCOUNT = 5;

/**
 * Recent transactions, newest first: each balance change names its transaction, which is read once
 * (and again while it is still PENDING) through the `transaction` query. On opening, the latest
 * transactions of the accounts that changed last come first (`account { transactions }`), so the
 * table does not start empty on a ledger that already has some.
 */
export function createTransactionsView(
  session: Session,
  ownerOf: (id: string | null | undefined) => string | undefined,
) {
  const body = byId<HTMLTableElement>('transactions').tBodies[0]!;
  const empty = byId('transactions-empty');
  const rows = new Map<string, HTMLTableRowElement>();
  const reading = new Set<string>();

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

  const show = (transaction: TransactionFieldsFragment, live = true): void => {
    const row = render(transaction);
    const previous = rows.get(transaction.id);
    if (previous) previous.replaceWith(row);
    else body.prepend(row);
    rows.set(transaction.id, row);
    if (live) flash(row);
    while (rows.size > KEEP) {
      const [oldest] = rows.keys();
      rows.get(oldest!)!.remove();
      rows.delete(oldest!);
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
      if (transaction.status === 'PENDING') setTimeout(() => void read(id), 1000);
    } finally {
      reading.delete(id);
    }
  };

  /** The latest transactions of `accountIds`, oldest first under those already shown (a live one is newer). */
  const recent = async (accountIds: readonly string[]): Promise<void> => {
    const pages = await Promise.all(
      accountIds
        .slice(0, RECENT_ACCOUNTS)
        .map((id) => session.request(AccountWithTransactionsDocument, { id, first: RECENT_PER_ACCOUNT })),
    );
    const found = new Map<string, TransactionFieldsFragment>();
    for (const { account } of pages) for (const { node } of account?.transactions.edges ?? []) found.set(node.id, node);
    const earlier = [...found.values()]
      .filter((transaction) => !rows.has(transaction.id))
      .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
    const live = [...rows];
    for (const transaction of earlier) {
      show(transaction, false);
      if (transaction.status === 'PENDING') setTimeout(() => void read(transaction.id).catch(() => undefined), 1000);
    }
    // Changes that arrived while these were read are newer: they go back on top, and last in `rows`,
    // whose first entries are the oldest, the ones dropped past KEEP.
    for (const [id, row] of live) {
      body.prepend(row);
      rows.delete(id);
      rows.set(id, row);
    }
  };

  return {
    seen(transactionId: string | null | undefined): void {
      if (transactionId) read(transactionId).catch(() => undefined);
    },
    recent,
  };
}
