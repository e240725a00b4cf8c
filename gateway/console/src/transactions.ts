import { TransactionDocument } from '@ledger/client';
import type { TransactionFieldsFragment } from '@ledger/client';
import { byId, flash, h } from './dom.js';
import { formatMoney, formatTime, shortId } from './format.js';
import type { Session } from './session.js';

const KEEP = 60;

/**
 * Recent transactions, newest first: each balance change names its transaction, which is read once
 * (and again while it is still PENDING) through the `transaction` query.
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

  const show = (transaction: TransactionFieldsFragment): void => {
    const row = render(transaction);
    const previous = rows.get(transaction.id);
    if (previous) previous.replaceWith(row);
    else body.prepend(row);
    rows.set(transaction.id, row);
    flash(row);
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

  return {
    seen(transactionId: string | null | undefined): void {
      if (transactionId) read(transactionId).catch(() => undefined);
    },
  };
}
