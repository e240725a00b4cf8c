import { parsePosition } from '@ledger/platform';
import { notifySubjects } from '@ledger/schema';
import type { BalanceChange, BalanceEntry, TransactionView } from '@ledger/schema';
import { decodeFeedCursor, feedCursorEncoder } from '../../../domain/cursor.js';
import type { GatewayContext } from '../context.js';
import { createLiveStream } from './live-stream.js';
import type { LiveStream } from './live-stream.js';

const sequenceOf = (position: unknown): number | null => {
  if (typeof position !== 'string') return null;
  try {
    return parsePosition(position).sequence;
  } catch {
    return null;
  }
};

/** A balance change as a subscription delivers it: with the resume point it stands for. */
export type BalanceChangeItem = BalanceChange & { readonly cursor: string };

// The balance feed hands one entry object to every subscription of an account; those with the same
// cursor get one item object too, so that the change is executed once for all of them (shared-subscribe.ts).
const items = new WeakMap<BalanceEntry, Map<string, BalanceChangeItem>>();
const itemOf = (entry: BalanceEntry, cursor: string): BalanceChangeItem => {
  let byCursor = items.get(entry);
  if (!byCursor) items.set(entry, (byCursor = new Map()));
  let item = byCursor.get(cursor);
  if (!item) byCursor.set(cursor, (item = { ...balanceChangeOf(entry), cursor }));
  return item;
};

/**
 * Balance changes of `accountIds`, read from the balance history: after the cursor `after` when
 * given (the changes the client missed first, then live), else from now. Each carries the cursor
 * of everything delivered so far, per account, so a client that reconnects misses nothing and
 * receives nothing twice. One account's changes come in position order.
 */
export async function subscribeBalanceChanges(
  context: GatewayContext,
  accountIds: readonly string[],
  after: string | undefined,
): Promise<LiveStream<BalanceChangeItem>> {
  const ids = [...new Set(accountIds)].sort();
  const starts = after === undefined ? await context.balanceFeed.now(ids) : decodeFeedCursor(after, ids);
  const delivered = [...starts];
  const cursorOf = feedCursorEncoder(ids);
  const stream = createLiveStream<BalanceChangeItem>();
  try {
    for (const [index, accountId] of ids.entries()) {
      const stop = await context.balanceFeed.follow(accountId, starts[index]!, (entry) => {
        delivered[index] = sequenceOf(entry.position)!;
        stream.push(itemOf(entry, cursorOf(delivered)));
      });
      stream.onClose(stop);
    }
  } catch (error) {
    stream.end();
    throw error;
  }
  return stream;
}

function balanceChangeOf(entry: BalanceEntry): BalanceChange {
  return {
    accountId: entry.accountId,
    balance: entry.balanceAfter,
    delta: entry.amount,
    transactionId: entry.transactionId,
    position: entry.position,
    at: entry.at,
  };
}

/**
 * The transaction's current state (when the read model has it), then each newer state; ends after
 * the settled one. The read model is re-read periodically because notifications can be lost.
 */
export async function subscribeTransactionUpdates(
  context: GatewayContext,
  transactionId: string,
): Promise<LiveStream<TransactionView>> {
  const stream = createLiveStream<TransactionView>();
  let last = 0;
  const deliver = (view: TransactionView | null): void => {
    const sequence = sequenceOf(view?.position);
    if (!view || sequence === null || view.id !== transactionId || sequence <= last) return;
    last = sequence;
    stream.push(view);
    if (view.status !== 'PENDING') stream.end();
  };
  const stop = await context.hub.listen(notifySubjects.transaction(transactionId), (payload) =>
    deliver(payload as TransactionView | null),
  );
  stream.onClose(stop);
  const recheck = async (): Promise<void> => deliver(await context.readModel.getTransaction(transactionId));
  const timer = setInterval(() => void recheck().catch(() => undefined), context.livePollMs);
  timer.unref();
  stream.onClose(() => clearInterval(timer));
  await recheck().catch((error: unknown) => {
    stream.end();
    throw error;
  });
  return stream;
}
