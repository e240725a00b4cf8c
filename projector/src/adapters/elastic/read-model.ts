import { errors } from '@elastic/elasticsearch';
import type { estypes } from '@elastic/elasticsearch';
import { IllegalStateError, NotFoundError } from '@ledger/platform';
import type { Logger } from '@ledger/platform';
import type { AccountView, TransactionView } from '@ledger/schema';
import type { CommitResult, ProjectionBatch, ReadModel } from '../../ports/read-model.js';
import { createElasticClient } from './client.js';
import type { ElasticClient, ElasticClientOptions } from './client.js';
import { faultOf, faultOfError, guard } from './errors.js';
import type { AccountDocument, CheckpointDocument, TransactionDocument } from './mappings.js';
import { MAPPINGS, accountFromSource, transactionFromSource } from './mappings.js';
import type { IndexKind } from './names.js';
import { FIRST_GENERATION, INDEX_KINDS, indexNames, isGenerationId, newGenerationId } from './names.js';
import {
  accountPage,
  accountsCount,
  accountsSearch,
  latestTransactionsSearch,
  transactionPage,
  transactionsSearch,
} from './queries.js';
import { LOCK_ID, SWAP_LOCK_MAPPING, createSwapLock } from './swap-lock.js';
import type { LockDoc } from './swap-lock.js';
import { bulkError, bulkFailures, checkpointRequest, documentOperations } from './writes.js';
import type { HistoryDocument } from './history.js';
import {
  balanceAtOf,
  balanceAtSearch,
  balanceChangesSearch,
  historyOperations,
  historyPage,
  statementSearch,
} from './history.js';

export interface ElasticReadModelOptions extends ElasticClientOptions {
  readonly partitions: number;
  /** Starts every index and alias name, so deployments (and test runs) sharing a cluster stay apart. */
  readonly indexPrefix?: string;
  readonly logger?: Logger;
  /**
   * Whether a commit waits until searches see it: false (default) leaves that to the index's
   * refresh interval (1 s), 'wait_for' waits for the next refresh, true forces one. Reads by id
   * (what read-your-writes waits on) see a commit at once either way.
   */
  readonly refresh?: 'wait_for' | boolean;
  /**
   * How much of its swap lock a rebuild must still hold to swap: covers the alias update's time on
   * the way to the cluster and the clock difference between processes.
   */
  readonly swapMarginMs?: number;
}

/**
 * The distributed read model on Elasticsearch. A generation is four indices (accounts,
 * transactions, history, checkpoints) with explicit mappings; the active one sits behind four read aliases
 * that one atomic alias update moves. Documents and checkpoints are externally versioned by the
 * sequence of their position, so a stale or fenced worker can never move them back.
 */
export async function createElasticReadModel(options: ElasticReadModelOptions): Promise<ReadModel> {
  return openElasticReadModel(createElasticClient(options), options);
}

/** The read model over a given client (tests pass one that holds calls to interleave others). */
export async function openElasticReadModel(
  elastic: ElasticClient,
  options: Omit<ElasticReadModelOptions, 'url'>,
): Promise<ReadModel> {
  const names = indexNames(options.indexPrefix ?? 'ledger');
  const refresh = options.refresh ?? false;
  const swapMarginMs = options.swapMarginMs ?? 1_000;
  const log = options.logger?.child({ component: 'elastic-read-model' });
  const { client, bulkOptions } = elastic;
  const swapLock = createSwapLock(client, names.locks);

  const requireGenerationId = (generation: string): void => {
    // An id that cannot be ours names no generation (and must never reach a request as a pattern).
    if (!isGenerationId(generation)) throw new NotFoundError(`read model generation "${generation}" does not exist`);
  };
  const generationIndex = (generation: string, kind: IndexKind): string => {
    requireGenerationId(generation);
    return names.index(generation, kind);
  };

  const createIndex = async (generation: string, kind: IndexKind, readAlias: boolean): Promise<void> => {
    const aliases: Record<string, estypes.IndicesAlias> = { [names.writeAlias(generation, kind)]: {} };
    if (readAlias) aliases[names.alias(kind)] = {};
    await client.indices.create({ index: names.index(generation, kind), mappings: MAPPINGS[kind], aliases });
  };

  const activeGeneration = async (): Promise<string> => {
    let response: estypes.IndicesGetAliasResponse;
    try {
      response = await client.indices.getAlias({ name: names.alias('checkpoints') });
    } catch (error) {
      // A missing alias answers 404 with a plain message, not a typed error.
      if (error instanceof errors.ResponseError && error.statusCode === 404) {
        throw new IllegalStateError('read model has no active generation');
      }
      throw error;
    }
    const indices = Object.keys(response);
    const generation = indices.length === 1 ? names.generationOf(indices[0]!, 'checkpoints') : null;
    if (generation === null) {
      throw new IllegalStateError(`read model alias ${names.alias('checkpoints')} points at [${indices.join(', ')}]`);
    }
    return generation;
  };

  /** Sources by id, read in real time (mget sees writes before any refresh). */
  const sources = async <T>(index: string, ids: readonly string[], generation?: string): Promise<Map<string, T>> => {
    const found = new Map<string, T>();
    if (ids.length === 0) return found;
    const response = await client.mget<T>({ index, ids: [...ids] });
    for (const doc of response.docs) {
      if ('error' in doc) {
        if (faultOf(undefined, doc.error.type) === 'missing-index') {
          throw generation === undefined
            ? new IllegalStateError('read model has no active generation')
            : new NotFoundError(`read model generation "${generation}" does not exist`);
        }
        throw new Error(`reading ${doc._id} from ${doc._index} failed: ${doc.error.reason ?? doc.error.type}`);
      }
      if (doc.found && doc._source !== undefined) found.set(doc._id, doc._source);
    }
    return found;
  };

  const checkpointsOf = async (generation?: string): Promise<number[]> => {
    const index = generation === undefined ? names.alias('checkpoints') : generationIndex(generation, 'checkpoints');
    const partitions = Array.from({ length: options.partitions }, (_, partition) => String(partition));
    const stored = await sources<CheckpointDocument>(index, partitions, generation);
    return partitions.map((partition) => stored.get(partition)?.sequence ?? 0);
  };

  const writeCheckpoint = async (generation: string, partition: number, sequence: number): Promise<void> => {
    try {
      await client.index(checkpointRequest(names, generation, partition, sequence));
    } catch (error) {
      const fault = faultOfError(error);
      if (fault === 'version-conflict') return; // the checkpoint is already there or further on
      if (fault === 'missing-index') throw new NotFoundError(`read model generation "${generation}" does not exist`);
      throw error;
    }
  };

  // The active generation changes only at a swap: commits keep it between them and read it again
  // when a commit's own check finds it moved (a swap by another process).
  let knownActive: string | undefined;
  const activeNow = async (): Promise<string> => (knownActive = await activeGeneration());

  /** Several partitions' batches in one bulk request for their histories and one for their documents. */
  const writeBatches = async (generation: string, batches: readonly ProjectionBatch[]): Promise<void> => {
    // No refresh by default: reads by id are real-time (mget); searches see the batch within the
    // index's refresh interval, and a candidate is refreshed once, before its swap.
    const visibility = refresh !== false ? { refresh } : {};
    const history = batches.flatMap((batch) => historyOperations(names, generation, batch.history ?? []));
    if (history.length > 0) {
      // Before the documents, in a request of its own: an account document that landed means its
      // history up to there did, even when the batch fails half-way and is redone.
      const response = await client.bulk({ operations: history, require_alias: true, ...visibility }, bulkOptions);
      const failures = bulkFailures(response);
      if (failures.length > 0) throw bulkError(generation, failures);
    }
    const operations = batches.flatMap((batch) => documentOperations(names, generation, batch));
    if (operations.length > 0) {
      const response = await client.bulk({ operations, require_alias: true, ...visibility }, bulkOptions);
      const failures = bulkFailures(response);
      if (failures.length > 0) throw bulkError(generation, failures);
    }
    // After the documents only: a checkpoint must never cover a document that did not land.
    await Promise.all(batches.map((batch) => writeCheckpoint(generation, batch.partition, batch.checkpoint)));
  };
  const writeBatch = (generation: string, batch: ProjectionBatch): Promise<void> => writeBatches(generation, [batch]);

  /**
   * A live commit. Elasticsearch has no transaction around checks and writes, so the swap lock is
   * read before the writes and again after them, together with the alias (one real-time mget). A
   * swap moves the alias only under a lock it renewed just before, and every write of the lock
   * document changes its version: if the version is unchanged and the lock free afterwards, no swap
   * ran during the writes and the alias read then is the one they went to. Otherwise the caller
   * redoes the batch (harmless: every write is guarded by position).
   */
  const commitLive = async (generation: string, batch: ProjectionBatch): Promise<CommitResult> => {
    const before = await swapLock.read();
    if (swapLock.isHeld(before)) return 'swap-pending';
    // What this process knew may be stale (another process swapped): asked again before refusing.
    if ((knownActive ?? (await activeNow())) !== generation && (await activeNow()) !== generation) {
      return 'inactive-generation';
    }
    await writeBatch(generation, batch);
    const { docs } = await client.mget<unknown>({
      docs: [
        { _index: names.locks, _id: LOCK_ID },
        { _index: names.alias('checkpoints'), _id: String(batch.partition) },
      ],
    });
    const after = swapLock.stateOf(docs[0] as LockDoc);
    if (after.version !== before.version || swapLock.isHeld(after)) return 'swap-pending';
    const checkpoint = docs[1]!;
    if ('error' in checkpoint) throw new IllegalStateError('read model has no active generation');
    knownActive = names.generationOf(checkpoint._index, 'checkpoints') ?? undefined;
    return knownActive === generation ? 'committed' : 'inactive-generation';
  };

  const commit: ReadModel['commit'] = async (generation, batch, { requireActive }) => {
    requireGenerationId(generation);
    if (requireActive) return commitLive(generation, batch);
    await writeBatch(generation, batch);
    return 'committed';
  };

  // What this process asked for at beginSwap; the renewal before the alias move asks for as much.
  const lockTtls = new Map<string, number>();

  /**
   * Swaps only under `generation`'s own lock with more than the margin left, checked before and
   * renewed right before the alias move (a write conditional on the lock as first read): the lock
   * is held without a gap from the checkpoint comparison to the move, so no live commit lands in the
   * old generation in between. The refresh comes first, being the slowest step.
   */
  const swap = async (generation: string): Promise<boolean> => {
    requireGenerationId(generation);
    try {
      const lock = await swapLock.read();
      const active = await activeNow();
      if (active === generation) return true;
      if (!swapLock.ownedBy(lock, generation, swapMarginMs)) return false;
      await client.indices.refresh({ index: INDEX_KINDS.map((kind) => names.index(generation, kind)) });
      const [candidate, current] = await Promise.all([checkpointsOf(generation), checkpointsOf(active)]);
      if (current.some((sequence, partition) => candidate[partition]! < sequence)) return false;
      const ttlMs = lockTtls.get(generation) ?? lock.lock!.expiresAt - Date.now();
      if (ttlMs <= 2 * swapMarginMs) return false;
      if (!(await swapLock.renew(lock, generation, ttlMs, swapMarginMs))) return false;
      return await switchAliases(active, generation, ttlMs - 2 * swapMarginMs);
    } finally {
      // After the alias moved: a commit that then finds the lock free also finds the new alias.
      lockTtls.delete(generation);
      await swapLock.release(generation);
    }
  };

  const switchAliases = async (active: string, generation: string, budgetMs: number): Promise<boolean> => {
    try {
      // One request, applied atomically: every remove must find its alias on the generation we
      // compared against, so a concurrent swap makes this one fail whole rather than half apply.
      // The master must start it while the lock is still ours, or refuse it.
      await client.indices.updateAliases({
        actions: INDEX_KINDS.flatMap((kind): estypes.IndicesUpdateAliasesAction[] => [
          { remove: { index: names.index(active, kind), alias: names.alias(kind), must_exist: true } },
          { add: { index: names.index(generation, kind), alias: names.alias(kind) } },
        ]),
        master_timeout: `${budgetMs}ms`,
      });
    } catch (error) {
      if (faultOfError(error) !== 'alias-missing') throw error;
      return (await activeNow()) === generation;
    }
    knownActive = generation;
    log?.info({ from: active, to: generation }, 'read model generation swapped');
    return true;
  };

  const beginSwap = async (generation: string, ttlMs: number): Promise<boolean> => {
    requireGenerationId(generation);
    if (!(await client.indices.exists({ index: names.index(generation, 'checkpoints') }))) {
      throw new NotFoundError(`read model generation "${generation}" does not exist`);
    }
    const acquired = await swapLock.acquire(generation, ttlMs);
    if (acquired) lockTtls.set(generation, ttlMs);
    return acquired;
  };

  const dropGeneration = async (generation: string): Promise<void> => {
    if (!isGenerationId(generation)) return;
    if ((await activeGeneration()) === generation) {
      throw new IllegalStateError(`generation "${generation}" is active and cannot be dropped`);
    }
    await client.indices.delete({
      index: INDEX_KINDS.map((kind) => names.index(generation, kind)),
      ignore_unavailable: true,
    });
    await swapLock.release(generation);
    log?.info({ generation }, 'read model generation dropped');
  };

  const alreadyThere = (error: unknown): void => {
    if (faultOfError(error) !== 'already-exists') throw error;
  };
  const ensureFirstGeneration = async (): Promise<void> => {
    if (await client.indices.existsAlias({ name: names.alias('checkpoints') })) return;
    // Checkpoints last: their alias is what says the set is complete.
    await Promise.all(
      ['accounts' as const, 'transactions' as const, 'history' as const].map((kind) =>
        createIndex(FIRST_GENERATION, kind, true).catch(alreadyThere),
      ),
    );
    await createIndex(FIRST_GENERATION, 'checkpoints', true).catch(alreadyThere);
    log?.info({ generation: FIRST_GENERATION }, 'read model initialised');
  };
  // A generation made before the balance history had no history index: it gets an empty one (a
  // rebuild fills it).
  const ensureHistoryIndex = async (): Promise<void> => {
    const active = await activeGeneration();
    if (await client.indices.exists({ index: names.index(active, 'history') })) return;
    await createIndex(active, 'history', true).catch(alreadyThere);
    log?.warn({ generation: active }, 'read model had no balance history; rebuild it to fill the history');
  };
  const ensureIndices = async (): Promise<void> => {
    await Promise.all([
      client.indices.create({ index: names.locks, mappings: SWAP_LOCK_MAPPING }).catch(alreadyThere),
      ensureFirstGeneration(),
    ]);
    await ensureHistoryIndex();
    // Fields added since the live generation was created (mappings only grow, so this is idempotent).
    await client.indices.putMapping({
      index: names.alias('transactions'),
      properties: { initiatedBy: MAPPINGS.transactions.properties!.initiatedBy! },
    });
  };

  try {
    await guard(ensureIndices);
  } catch (error) {
    await client.close();
    throw error;
  }

  return {
    activeGeneration: () => guard(activeGeneration),
    createGeneration: () =>
      guard(async () => {
        const generation = newGenerationId();
        const created = await Promise.allSettled(INDEX_KINDS.map((kind) => createIndex(generation, kind, false)));
        const failed = created.find((result) => result.status === 'rejected');
        if (failed) {
          // No caller knows this id yet, so no one else would ever clean up the half-made set.
          const index = INDEX_KINDS.map((kind) => names.index(generation, kind));
          await client.indices.delete({ index, ignore_unavailable: true }).catch(() => undefined);
          throw failed.reason;
        }
        return generation;
      }),
    beginSwap: (generation, ttlMs) => guard(() => beginSwap(generation, ttlMs)),
    endSwap: (generation) =>
      guard(() => (isGenerationId(generation) ? swapLock.release(generation) : Promise.resolve())),
    swap: (generation) => guard(() => swap(generation)),
    dropGeneration: (generation) => guard(() => dropGeneration(generation)),
    checkpoints: (generation) => guard(() => checkpointsOf(generation)),
    load: (generation, accountIds, transactionIds) =>
      guard(async () => {
        const [accounts, transactions] = await Promise.all([
          sources<AccountDocument>(generationIndex(generation, 'accounts'), accountIds, generation),
          sources<TransactionDocument>(generationIndex(generation, 'transactions'), transactionIds, generation),
        ]);
        return {
          accounts: new Map<string, AccountView>([...accounts].map(([id, source]) => [id, accountFromSource(source)])),
          transactions: new Map<string, TransactionView>(
            [...transactions].map(([id, source]) => [id, transactionFromSource(source)]),
          ),
        };
      }),
    commit: (generation, batch, commitOptions) => guard(() => commit(generation, batch, commitOptions)),
    commitBatches: (generation, batches) =>
      guard(async () => {
        requireGenerationId(generation);
        await writeBatches(generation, batches);
      }),
    getAccount: (id) =>
      guard(async () => {
        const source = (await sources<AccountDocument>(names.alias('accounts'), [id])).get(id);
        return source ? accountFromSource(source) : null;
      }),
    listAccounts: (query) =>
      guard(async () =>
        accountPage(await client.search<AccountDocument>(accountsSearch(names.alias('accounts'), query)), query.first),
      ),
    countAccounts: (query) =>
      guard(async () => (await client.count(accountsCount(names.alias('accounts'), query))).count),
    getTransaction: (id) =>
      guard(async () => {
        const source = (await sources<TransactionDocument>(names.alias('transactions'), [id])).get(id);
        return source ? transactionFromSource(source) : null;
      }),
    listTransactions: (accountId, query) =>
      guard(async () =>
        transactionPage(
          await client.search<TransactionDocument>(transactionsSearch(names.alias('transactions'), accountId, query)),
          query.first,
        ),
      ),
    latestTransactions: (query) =>
      guard(
        async () =>
          transactionPage(
            await client.search<TransactionDocument>(
              latestTransactionsSearch(names.alias('transactions'), query.first),
            ),
            query.first,
          ).transactions,
      ),
    balanceAt: (accountId, at, untilSequence) =>
      guard(async () =>
        balanceAtOf(
          await client.search<HistoryDocument>(balanceAtSearch(names.alias('history'), accountId, at, untilSequence)),
        ),
      ),
    statementEntries: (accountId, query) =>
      guard(async () =>
        historyPage(
          await client.search<HistoryDocument>(statementSearch(names.alias('history'), accountId, query)),
          query.first,
        ),
      ),
    balanceChanges: (query) =>
      guard(async () => {
        // Only up to the checkpoint: below it every entry has landed and been refreshed, whereas a
        // commit still in flight may have made a later entry visible before an earlier one.
        const checkpoint = (await checkpointsOf())[query.partition] ?? 0;
        if (checkpoint <= query.afterSequence) return { entries: [], hasNextPage: false };
        const request = balanceChangesSearch(names.alias('history'), query, checkpoint);
        return historyPage(await client.search<HistoryDocument>(request), query.first);
      }),
    close: () => client.close(),
  };
}
