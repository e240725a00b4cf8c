import { parsePosition } from '@ledger/platform';
import { notifySubjects } from '@ledger/schema';
import type { BalanceChange, TransactionView } from '@ledger/schema';
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

/**
 * Balance changes of `accountIds`. One account's events share a partition, so its changes are in
 * order by sequence: a change at or below the last one delivered is a redelivery and is dropped.
 */
export async function subscribeBalanceChanges(
  context: GatewayContext,
  accountIds: readonly string[],
): Promise<LiveStream<BalanceChange>> {
  const stream = createLiveStream<BalanceChange>();
  const last = new Map<string, number>();
  try {
    for (const accountId of accountIds) {
      const stop = await context.hub.listen(notifySubjects.balance(accountId), (payload) => {
        const change = payload as BalanceChange | null;
        const sequence = sequenceOf(change?.position);
        if (!change || sequence === null || change.accountId !== accountId) return;
        if (sequence <= (last.get(accountId) ?? 0)) return;
        last.set(accountId, sequence);
        stream.push(change);
      });
      stream.onClose(stop);
    }
  } catch (error) {
    stream.end();
    throw error;
  }
  return stream;
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
