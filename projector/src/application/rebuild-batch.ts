import type { RecordedEvent } from '@ledger/platform';
import type { AccountView, BalanceEntry, TransactionView } from '@ledger/schema';
import { documentIds, projectBalance, startedIn } from '../domain/balance-projection.js';
import type { ProjectionBatch, ReadModel } from '../ports/read-model.js';
import { currentShapes } from './apply-events.js';

/** A rebuild's commit: pages of several partitions folded into their documents as they arrive. */
export interface RebuildBatch {
  /** Events folded in so far. */
  readonly events: number;
  /** Projects a page (one partition's events, ordered, following what the batch holds of it). */
  add(page: readonly RecordedEvent[]): Promise<void>;
  /** Writes the documents, history entries and checkpoints with one `commitBatches`. */
  commit(): Promise<void>;
}

interface PartitionChanges {
  readonly accounts: Set<string>;
  readonly transactions: Set<string>;
  readonly history: BalanceEntry[];
  checkpoint: number;
}

/**
 * A batch for a generation nobody writes live, a rebuild's candidate. Each page is projected as it
 * arrives onto the documents the batch holds already (loading the others), so the batch keeps one
 * document per id (its last state: one write per document per commit) and the history entries, not
 * the events, which are garbage as soon as they are folded in. A document belongs to one partition,
 * so each partition's documents and checkpoint make one ProjectionBatch.
 */
export function createRebuildBatch(readModel: ReadModel, generation: string): RebuildBatch {
  const accounts = new Map<string, AccountView>();
  const transactions = new Map<string, TransactionView>();
  const partitions = new Map<number, PartitionChanges>();
  let events = 0;
  return {
    get events() {
      return events;
    },
    async add(page) {
      if (page.length === 0) return;
      const partition = page[0]!.position.partition;
      let changes = partitions.get(partition);
      if (!changes) {
        changes = { accounts: new Set(), transactions: new Set(), history: [], checkpoint: 0 };
        partitions.set(partition, changes);
      }
      const known = currentShapes(page);
      const { accountIds, transactionIds } = documentIds(known);
      // A document whose first event here is its aggregate's first (version 1) has nothing stored
      // yet: the generation holds what it applied up to its checkpoint, and this page comes after.
      const created = startedIn(known);
      const missing = (documents: ReadonlyMap<string, unknown>) => (id: string) =>
        !documents.has(id) && !created.has(id);
      const missingAccounts = accountIds.filter(missing(accounts));
      const missingTransactions = transactionIds.filter(missing(transactions));
      if (missingAccounts.length > 0 || missingTransactions.length > 0) {
        const loaded = await readModel.load(generation, missingAccounts, missingTransactions);
        for (const [id, account] of loaded.accounts) accounts.set(id, account);
        for (const [id, transaction] of loaded.transactions) transactions.set(id, transaction);
      }
      const state = { accounts: pick(accounts, accountIds), transactions: pick(transactions, transactionIds) };
      const projected = projectBalance(state, known);
      for (const account of projected.accounts) {
        accounts.set(account.id, account);
        changes.accounts.add(account.id);
      }
      for (const transaction of projected.transactions) {
        transactions.set(transaction.id, transaction);
        changes.transactions.add(transaction.id);
      }
      for (const entry of projected.history) changes.history.push(entry);
      changes.checkpoint = page.at(-1)!.position.sequence;
      events += page.length;
    },
    async commit() {
      if (partitions.size === 0) return;
      const batches = [...partitions].map(([partition, changes]): ProjectionBatch => ({
        partition,
        accounts: [...changes.accounts].map((id) => accounts.get(id)!),
        transactions: [...changes.transactions].map((id) => transactions.get(id)!),
        history: changes.history,
        checkpoint: changes.checkpoint,
      }));
      await readModel.commitBatches(generation, batches);
    },
  };
}

/** The documents of `ids` that `documents` holds. */
function pick<V>(documents: ReadonlyMap<string, V>, ids: readonly string[]): Map<string, V> {
  const picked = new Map<string, V>();
  for (const id of ids) {
    const document = documents.get(id);
    if (document !== undefined) picked.set(id, document);
  }
  return picked;
}
