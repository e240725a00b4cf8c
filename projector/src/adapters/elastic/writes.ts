import type { estypes } from '@elastic/elasticsearch';
import { NotFoundError, UnavailableError } from '@ledger/platform';
import type { ProjectionBatch } from '../../ports/read-model.js';
import { sequenceOf } from '../../domain/balance-projection.js';
import { faultOf } from './errors.js';
import type { Fault } from './errors.js';
import type { CheckpointDocument } from './mappings.js';
import { accountDocument, transactionDocument } from './mappings.js';
import type { IndexNames } from './names.js';

export type BulkOperation = estypes.BulkOperationContainer | object;

/**
 * The batch's documents as bulk index actions, each externally versioned by the sequence of its
 * position: Elasticsearch writes a document only when that version is above the stored one, so a
 * redelivered, replayed or fenced-out older write is refused per document (409), never applied.
 * All events of an aggregate share a partition, so a document's sequences are comparable.
 */
export function documentOperations(names: IndexNames, generation: string, batch: ProjectionBatch): BulkOperation[] {
  const operations: BulkOperation[] = [];
  const action = (kind: 'accounts' | 'transactions', id: string, sequence: number) => ({
    index: {
      _index: names.writeAlias(generation, kind),
      _id: id,
      version: sequence,
      version_type: 'external' as const,
    },
  });
  for (const account of batch.accounts) {
    const sequence = sequenceOf(account.position);
    operations.push(action('accounts', account.id, sequence), accountDocument(account, sequence));
  }
  for (const transaction of batch.transactions) {
    const sequence = sequenceOf(transaction.position);
    operations.push(action('transactions', transaction.id, sequence), transactionDocument(transaction, sequence));
  }
  return operations;
}

/** The partition checkpoint, versioned by its sequence so it only ever moves forward. */
export function checkpointRequest(
  names: IndexNames,
  generation: string,
  partition: number,
  sequence: number,
): estypes.IndexRequest<CheckpointDocument> {
  return {
    index: names.writeAlias(generation, 'checkpoints'),
    id: String(partition),
    document: { partition, sequence },
    version: sequence,
    version_type: 'external',
    require_alias: true,
  };
}

export interface BulkFailure {
  readonly id: string;
  readonly status: number;
  readonly fault: Fault;
  readonly reason: string;
}

/** Items that failed for a reason other than a version conflict (an older write, expected and harmless). */
export function bulkFailures(response: estypes.BulkResponse): BulkFailure[] {
  if (!response.errors) return [];
  const failures: BulkFailure[] = [];
  for (const item of response.items) {
    const result = item.index ?? item.create ?? item.update ?? item.delete;
    if (!result?.error) continue;
    const fault = faultOf(result.status, result.error.type);
    if (fault === 'version-conflict') continue;
    failures.push({
      id: result._id ?? '?',
      status: result.status,
      fault,
      reason: result.error.reason ?? result.error.type,
    });
  }
  return failures;
}

/**
 * The error a commit reports for failed items. The checkpoint is not written after one, so the
 * batch is redone from the checkpoint and the documents that did land are refused as older.
 */
export function bulkError(generation: string, failures: readonly BulkFailure[]): Error {
  if (failures.some((failure) => failure.fault === 'missing-index')) {
    return new NotFoundError(`read model generation "${generation}" does not exist`);
  }
  const summary = `${failures.length} document(s) not written, first: ${failures[0]?.id} (${failures[0]?.status} ${failures[0]?.reason})`;
  if (failures.every((failure) => failure.fault === 'unavailable')) return new UnavailableError(summary);
  return new Error(`read model commit failed: ${summary}`);
}
