import { TransactionDocument } from '@ledger/client';
import type { TransactionFieldsFragment } from '@ledger/client';
import { byId, flash, h } from './dom.js';
import { formatMoney, formatTime, shortId } from './format.js';
import type { Session } from './session.js';

const KEEP = 60;
// A busy ledger names more transactions a second than a person can read: the page reads a few at a
// time, and of those heard of meanwhile only the newest wait their turn.
const READS_AT_ONCE = 4;
const WAITING_AT_MOST = 20;

interface Shown {
  readonly row: HTMLTableRowElement;
  readonly transaction: TransactionFieldsFragment;
  readonly createdAt: string;
  readonly settled: boolean;
}

/**
 * Recent transactions, newest first: each balance change names its transaction, which is read
 * through the `transaction` query (again while it is still PENDING), and each beat of the operator
 * view (`systemChanged`) brings the ledger's latest hundred, the failed ones among them, which no
 * balance change names. The table starts with those.
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

  // An account by its owner where the table knows it (the id in full goes in the tooltip).
  const party = (id: string | null | undefined): string => ownerOf(id) ?? shortId(id);
  const partyInFull = (id: string | null | undefined): string => {
    const owner = ownerOf(id);
    return id ? (owner ? `${owner} (${id})` : id) : '—';
  };

  const render = (transaction: TransactionFieldsFragment): HTMLTableRowElement => {
    // A failed transaction moved no money: its amount is not coloured as if it had.
    const moved = transaction.status !== 'FAILED';
    const sign =
      moved && transaction.kind === 'WITHDRAWAL'
        ? 'negative'
        : moved && transaction.kind === 'DEPOSIT'
          ? 'positive'
          : '';
    return h(
      'tr',
      {},
      h('td', { className: 'muted', text: formatTime(transaction.createdAt) }),
      h('td', { text: transaction.kind.toLowerCase() }),
      h('td', { className: `num mono ${sign}`, text: formatMoney(transaction.amount) }),
      h(
        'td',
        { title: transaction.failureReason ?? '' },
        h('span', { className: `pill ${transaction.status}`, text: transaction.status }),
      ),
      // Last: the widest, cut at the card's edge rather than pushing the status out of it.
      h('td', {
        className: 'parties',
        text: `${party(transaction.from)} → ${party(transaction.to)}`,
        title: `${partyInFull(transaction.from)} → ${partyInFull(transaction.to)}`,
      }),
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
    shown.set(id, { row, transaction, createdAt, settled: transaction.status !== 'PENDING' });
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

  let heardLatest = false;
  /**
   * The ledger's latest transactions, as the operator view brings them at each beat: the failed ones
   * too, which change no balance and so are never named by one. New and changed ones are shown.
   */
  const latest = (transactions: readonly TransactionFieldsFragment[]): void => {
    for (const transaction of transactions) {
      const known = shown.get(transaction.id);
      if (known && (known.settled || transaction.status === 'PENDING')) continue;
      show(transaction, heardLatest);
    }
    heardLatest = true;
  };

  return {
    seen(transactionId: string | null | undefined): void {
      if (transactionId) hear(transactionId);
    },
    latest,
    /** Draws the rows again, once the accounts' owners are known (the first rows may come before them). */
    relabel(): void {
      for (const [id, each] of shown) {
        const row = render(each.transaction);
        each.row.replaceWith(row);
        shown.set(id, { ...each, row });
      }
    },
  };
}
