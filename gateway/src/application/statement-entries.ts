import type { BalanceEntry, LedgerQueries, TransactionKind } from '@ledger/schema';

/**
 * Entries recorded before events carried the transaction's kind and the other account (schema
 * version 1 of MoneyDeposited/MoneyWithdrawn) take both from the transaction. Newer entries pass
 * through untouched; only a page's old entries cost a lookup each.
 */
export async function completeEntries(
  readModel: Pick<LedgerQueries, 'getTransaction'>,
  entries: readonly BalanceEntry[],
): Promise<Array<BalanceEntry & { kind: TransactionKind }>> {
  return Promise.all(
    entries.map(async (entry) => {
      if (entry.kind !== null) return { ...entry, kind: entry.kind };
      const transaction = await readModel.getTransaction(entry.transactionId);
      // The transaction is projected in its own partition and may not be there yet: until it is,
      // the direction of the money is all that is known.
      if (!transaction) {
        return { ...entry, kind: entry.amount.startsWith('-') ? 'WITHDRAWAL' : 'DEPOSIT', counterparty: null };
      }
      if (transaction.kind !== 'TRANSFER') return { ...entry, kind: transaction.kind, counterparty: null };
      // A transfer's source sees its destination (also on a refund), the destination its source.
      const counterparty = transaction.from === entry.accountId ? transaction.to : transaction.from;
      return { ...entry, kind: transaction.kind, counterparty };
    }),
  );
}
