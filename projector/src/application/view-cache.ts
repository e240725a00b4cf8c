import type { AccountView, TransactionView } from '@ledger/schema';
import type { CommitResult, ProjectionBatch, ReadModel } from '../ports/read-model.js';

/**
 * The documents one partition's projector committed last, so that the next batch folds onto them
 * instead of reading them back. A document belongs to one partition, and one projector holds the
 * partition's lease, so they are what the read model holds, as long as the partition's checkpoint in
 * that generation is still the one this projector committed: `begin` checks that before each batch
 * and forgets everything when it is not (a rebuild swapped generations, another owner moved on while
 * this one was paused). Bounded: the least recently used documents go first.
 */
export interface ViewCache {
  /** Starts a batch on `generation`, whose checkpoint for the partition was just read as `checkpoint`. */
  begin(generation: string, checkpoint: number): void;
  /** The read model, with `load` answered from the cache where it can and `commit` remembered. */
  readonly readModel: ReadModel;
}

export function createViewCache(readModel: ReadModel, capacity: number): ViewCache {
  let valid: { generation: string; checkpoint: number } | undefined;
  const accounts = new Map<string, AccountView>();
  const transactions = new Map<string, TransactionView>();
  const forget = (): void => {
    valid = undefined;
    accounts.clear();
    transactions.clear();
  };
  const keep = <View>(views: Map<string, View>, id: string, view: View): void => {
    views.delete(id);
    views.set(id, view);
    if (views.size > capacity) views.delete(views.keys().next().value!);
  };
  const split = <View>(views: Map<string, View>, ids: readonly string[], found: Map<string, View>): string[] => {
    const missing: string[] = [];
    for (const id of ids) {
      const view = views.get(id);
      if (view) found.set(id, view);
      else missing.push(id);
    }
    return missing;
  };

  const load: ReadModel['load'] = async (generation, accountIds, transactionIds) => {
    if (valid?.generation !== generation) return readModel.load(generation, accountIds, transactionIds);
    const found = { accounts: new Map<string, AccountView>(), transactions: new Map<string, TransactionView>() };
    const missingAccounts = split(accounts, accountIds, found.accounts);
    const missingTransactions = split(transactions, transactionIds, found.transactions);
    if (missingAccounts.length > 0 || missingTransactions.length > 0) {
      const loaded = await readModel.load(generation, missingAccounts, missingTransactions);
      for (const [id, view] of loaded.accounts) found.accounts.set(id, view);
      for (const [id, view] of loaded.transactions) found.transactions.set(id, view);
    }
    return found;
  };

  const commit = async (
    generation: string,
    batch: ProjectionBatch,
    options: { requireActive: boolean },
  ): Promise<CommitResult> => {
    let result: CommitResult;
    try {
      result = await readModel.commit(generation, batch, options);
    } catch (error) {
      forget();
      throw error;
    }
    if (result !== 'committed' || valid?.generation !== generation) {
      forget();
      return result;
    }
    for (const account of batch.accounts) keep(accounts, account.id, account);
    for (const transaction of batch.transactions) keep(transactions, transaction.id, transaction);
    valid = { generation, checkpoint: Math.max(valid.checkpoint, batch.checkpoint) };
    return result;
  };

  return {
    begin(generation, checkpoint) {
      if (valid?.generation === generation && valid.checkpoint === checkpoint) return;
      forget();
      valid = { generation, checkpoint };
    },
    readModel: { ...readModel, load, commit },
  };
}
