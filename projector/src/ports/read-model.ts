import type { AccountView, BalanceEntry, LedgerQueries, TransactionView } from '@ledger/schema';

export type { AccountCursor, AccountPage, TransactionCursor, TransactionPage } from '@ledger/schema';

/** Documents a projection batch writes; each remembers the position of the last event applied. */
export interface ProjectionBatch {
  readonly partition: number;
  /** Full new documents; a document is written only if its position is newer than the stored one. */
  readonly accounts: readonly AccountView[];
  readonly transactions: readonly TransactionView[];
  /**
   * New balance-history entries, immutable and keyed by (account, position): writing one again is a
   * no-op. Whenever an account document stands at a position, its entries up to there are stored.
   * Absent: none.
   */
  readonly history?: readonly BalanceEntry[];
  /** Last sequence of the partition this batch covers; the checkpoint only moves forward. */
  readonly checkpoint: number;
}

/**
 * - `committed`: written.
 * - `inactive-generation`: `requireActive` and the generation is no longer active; nothing written.
 * - `swap-pending`: `requireActive` while a rebuild holds the swap lock; nothing written. Wait a
 *   moment and redo the batch against whatever generation is active then.
 */
export type CommitResult = 'committed' | 'inactive-generation' | 'swap-pending';

/**
 * The balance read model. Data lives in generations; queries read the active one. A rebuild fills
 * a new generation and swaps it in atomically once it has caught up with the active one.
 *
 * Under steady traffic the live projection always moves the active generation a little further
 * between a rebuild's last catch-up and its swap, so a rebuild finishes under a short swap lock:
 * `beginSwap` freezes the active generation (live commits get 'swap-pending' and wait), the rebuild
 * brings its candidate up to the frozen checkpoints, then `swap` switches and releases the lock.
 * The lock names the candidate and expires by itself, so a rebuild that dies holding it stalls the
 * live projection for at most its TTL.
 *
 * Its queries (`LedgerQueries`, defined in schema) read the active generation.
 */
export interface ReadModel extends LedgerQueries {
  activeGeneration(): Promise<string>;
  createGeneration(): Promise<string>;
  /**
   * Takes the swap lock for `generation` (an existing one) until `ttlMs` from now. Returns false,
   * changing nothing, while another generation holds an unexpired lock; taking it again for the
   * same generation extends it. While it is held, commits with `requireActive` write nothing and
   * return 'swap-pending'; commits with `requireActive: false` (into the candidate) go through.
   */
  beginSwap(generation: string, ttlMs: number): Promise<boolean>;
  /** Releases the swap lock if `generation` holds it (a no-op otherwise). */
  endSwap(generation: string): Promise<void>;
  /**
   * Makes `generation` active, atomically, if it holds its own unexpired swap lock (from
   * `beginSwap`) and for every partition its checkpoint is at least the active generation's.
   * Returns false (and changes nothing) otherwise: without the lock, a live commit could land in
   * the old generation between the comparison and the switch and be lost. Releases `generation`'s
   * swap lock either way. Swapping to the active generation is a no-op that returns true.
   */
  swap(generation: string): Promise<boolean>;
  /**
   * Deletes an inactive generation (and its swap lock): once this resolves, nothing reads or writes
   * it. An adapter may reclaim the space its data took afterwards, in the background.
   */
  dropGeneration(generation: string): Promise<void>;

  /** Checkpoint (last applied sequence) of every partition in a generation (the active one by default). */
  checkpoints(generation?: string): Promise<number[]>;
  /** Current documents by id in a generation (missing ids are absent from the maps). */
  load(
    generation: string,
    accountIds: readonly string[],
    transactionIds: readonly string[],
  ): Promise<{ accounts: Map<string, AccountView>; transactions: Map<string, TransactionView> }>;
  /**
   * Writes a batch atomically: documents guarded by position, checkpoint monotonic. With
   * `requireActive`, refuses (writing nothing) when `generation` is no longer the active one
   * ('inactive-generation') or while a swap lock is held ('swap-pending').
   */
  commit(generation: string, batch: ProjectionBatch, options: { requireActive: boolean }): Promise<CommitResult>;
  /**
   * Writes batches of several partitions as `commit` without `requireActive` would one after the
   * other, in as few writes as the engine allows (one transaction, one bulk request): the path of a
   * rebuild, whose candidate nobody reads, and where a write per partition run costs most of the time.
   */
  commitBatches(generation: string, batches: readonly ProjectionBatch[]): Promise<void>;

  close(): Promise<void>;
}
