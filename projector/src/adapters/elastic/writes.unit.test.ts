import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { estypes } from '@elastic/elasticsearch';
import type { AccountView, TransactionView } from '@ledger/schema';
import { faultOf } from './errors.js';
import { indexNames } from './names.js';
import { bulkError, bulkFailures, checkpointRequest, documentOperations } from './writes.js';

const names = indexNames('ledger');

const account: AccountView = {
  id: 'a',
  owner: 'alice',
  balance: '9223372036854775807',
  status: 'OPEN',
  version: 3,
  updatedAt: '2024-01-01T00:00:00.000Z',
  position: '2:17',
};
const transaction: TransactionView = {
  id: 't',
  kind: 'DEPOSIT',
  from: null,
  to: 'a',
  amount: '5',
  status: 'SUCCEEDED',
  failureReason: null,
  initiatedBy: null,
  createdAt: '2024-01-01T00:00:00.000Z',
  updatedAt: '2024-01-01T00:00:00.000Z',
  accountPositions: ['2:17'],
  position: '2:18',
};

function item(status: number, type?: string): Partial<Record<estypes.BulkOperationType, estypes.BulkResponseItem>> {
  return {
    index: {
      _index: 'ledger-accounts-g0',
      _id: `doc-${status}`,
      status,
      ...(type ? { error: { type, reason: `${type} happened` } } : {}),
    },
  };
}

describe('elastic writes', () => {
  test('every document is an index action on the write alias, externally versioned by its sequence', () => {
    const operations = documentOperations(names, 'g0', {
      partition: 2,
      accounts: [account],
      transactions: [transaction],
      checkpoint: 18,
    });
    assert.deepEqual(operations[0], {
      index: { _index: 'ledger-accounts-g0-write', _id: 'a', version: 17, version_type: 'external' },
    });
    assert.deepEqual(operations[1], { ...account, sequence: 17 });
    assert.deepEqual(operations[2], {
      index: { _index: 'ledger-transactions-g0-write', _id: 't', version: 18, version_type: 'external' },
    });
    assert.deepEqual(operations[3], { ...transaction, sequence: 18 });
    assert.equal(operations.length, 4);
    assert.deepEqual(
      documentOperations(names, 'g0', { partition: 0, accounts: [], transactions: [], checkpoint: 3 }),
      [],
    );
  });

  test('the checkpoint is one document per partition, versioned by its sequence, written only through the alias', () => {
    assert.deepEqual(checkpointRequest(names, 'g1-ab', 5, 900), {
      index: 'ledger-checkpoints-g1-ab-write',
      id: '5',
      document: { partition: 5, sequence: 900 },
      version: 900,
      version_type: 'external',
      require_alias: true,
    });
  });

  test('version conflicts are older writes refused, not failures', () => {
    const response: estypes.BulkResponse = {
      errors: true,
      took: 1,
      items: [item(201), item(409, 'version_conflict_engine_exception'), item(200)],
    };
    assert.deepEqual(bulkFailures(response), []);
    assert.deepEqual(bulkFailures({ errors: false, took: 1, items: [item(201)] }), []);
  });

  test('other item failures are reported with what they mean', () => {
    const response: estypes.BulkResponse = {
      errors: true,
      took: 1,
      items: [item(429, 'es_rejected_execution_exception'), item(409, 'version_conflict_engine_exception')],
    };
    const failures = bulkFailures(response);
    assert.deepEqual(failures, [
      { id: 'doc-429', status: 429, fault: 'unavailable', reason: 'es_rejected_execution_exception happened' },
    ]);
    assert.equal(bulkError('g0', failures).constructor.name, 'UnavailableError');

    const missing = bulkFailures({ errors: true, took: 1, items: [item(404, 'index_not_found_exception')] });
    assert.equal((bulkError('g0', missing) as { code?: string }).code, 'NOT_FOUND');

    const mapping = bulkFailures({ errors: true, took: 1, items: [item(400, 'strict_dynamic_mapping_exception')] });
    const error = bulkError('g0', mapping);
    assert.equal((error as { code?: string }).code, undefined, 'a bug is not a retryable condition');
    assert.match(error.message, /strict_dynamic_mapping_exception/);
  });

  test('faults by status and error type', () => {
    assert.equal(faultOf(404, 'index_not_found_exception'), 'missing-index');
    assert.equal(faultOf(400, 'resource_already_exists_exception'), 'already-exists');
    assert.equal(faultOf(404, 'aliases_not_found_exception'), 'alias-missing');
    assert.equal(faultOf(409, 'version_conflict_engine_exception'), 'version-conflict');
    for (const status of [429, 502, 503, 504]) assert.equal(faultOf(status, 'x'), 'unavailable');
    assert.equal(faultOf(400, 'mapper_parsing_exception'), 'other');
    assert.equal(faultOf(404, undefined), 'other');
  });
});
