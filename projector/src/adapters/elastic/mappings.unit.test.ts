import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AccountView, TransactionView } from '@ledger/schema';
import {
  MAPPINGS,
  accountDocument,
  accountFromSource,
  transactionDocument,
  transactionFromSource,
} from './mappings.js';
import type { AccountDocument, TransactionDocument } from './mappings.js';
import { FIRST_GENERATION, INDEX_KINDS, indexNames, isGenerationId, newGenerationId } from './names.js';

const account: AccountView = {
  id: 'acc-1',
  owner: 'alice',
  balance: '-9223372036854775808',
  status: 'OPEN',
  version: 4,
  updatedAt: '2024-01-01T00:00:00.000Z',
  position: '3:42',
};

const transaction: TransactionView = {
  id: 'tx-1',
  kind: 'TRANSFER',
  from: 'acc-1',
  to: 'acc-2',
  amount: '9223372036854775807',
  status: 'FAILED',
  failureReason: 'insufficient funds',
  initiatedBy: 'alice',
  createdAt: '2024-01-01T00:00:00.000Z',
  updatedAt: '2024-01-01T00:00:01.000Z',
  accountPositions: ['3:41'],
  position: '5:7',
};

/** What Elasticsearch hands back as _source: the JSON that was sent. */
const throughJson = <T>(document: T): T => JSON.parse(JSON.stringify(document)) as T;

describe('elastic documents', () => {
  test('an account round-trips through its document, 64-bit balance included', () => {
    const document = accountDocument(account, 42);
    assert.equal(document.sequence, 42);
    assert.equal(typeof document.balance, 'string', 'money is stored as its digit string');
    assert.deepEqual(accountFromSource(throughJson(document)), account);
  });

  test('a transaction round-trips, nulls and positions included', () => {
    const deposit: TransactionView = { ...transaction, kind: 'DEPOSIT', from: null, failureReason: null };
    for (const view of [transaction, deposit]) {
      assert.deepEqual(transactionFromSource(throughJson(transactionDocument(view, 7))), view);
    }
  });

  test('only mapped fields are written, whatever else the view object carries', () => {
    const wider = { ...account, extra: 'not in the mapping' } as AccountView;
    const fields = Object.keys(accountDocument(wider, 1)).sort();
    assert.deepEqual(fields, Object.keys(MAPPINGS.accounts.properties!).sort());
    assert.deepEqual(
      Object.keys(transactionDocument(transaction, 1)).sort(),
      Object.keys(MAPPINGS.transactions.properties!).sort(),
    );
  });

  test('a source missing optional fields still reads as a full view', () => {
    const {
      from: _from,
      failureReason: _reason,
      initiatedBy: _by,
      accountPositions: _positions,
      ...sparse
    } = transactionDocument(transaction, 7);
    const view = transactionFromSource(sparse as TransactionDocument);
    assert.equal(view.from, null);
    assert.equal(view.failureReason, null);
    assert.equal(view.initiatedBy, null, 'documents written before the field was added');
    assert.deepEqual(view.accountPositions, []);
    assert.equal(accountFromSource({ ...account, sequence: 1 } as AccountDocument).balance, account.balance);
  });

  test('mappings are strict, ids and owners exact terms, money never numeric, times dates', () => {
    for (const kind of INDEX_KINDS) assert.equal(MAPPINGS[kind].dynamic, 'strict');
    const accounts = MAPPINGS.accounts.properties!;
    const transactions = MAPPINGS.transactions.properties!;
    assert.equal(accounts.id!.type, 'keyword');
    assert.equal(accounts.owner!.type, 'keyword');
    assert.equal(accounts.balance!.type, 'keyword');
    assert.equal(transactions.amount!.type, 'keyword');
    assert.equal(transactions.from!.type, 'keyword');
    assert.equal(transactions.to!.type, 'keyword');
    assert.equal(transactions.createdAt!.type, 'date');
    assert.equal(accounts.sequence!.type, 'long');
    assert.equal(MAPPINGS.checkpoints.properties!.sequence!.type, 'long');
  });
});

describe('elastic index names', () => {
  const names = indexNames('ledger-test');

  test('a generation is one index per kind, with its write alias, behind one read alias per kind', () => {
    assert.equal(names.alias('accounts'), 'ledger-test-accounts');
    assert.equal(names.index('g0', 'transactions'), 'ledger-test-transactions-g0');
    assert.equal(names.writeAlias('g0', 'checkpoints'), 'ledger-test-checkpoints-g0-write');
  });

  test('the generation is read back from an index name of the right kind only', () => {
    const generation = newGenerationId(1_700_000_000_000, '0123ABCD-4567-89ab-cdef-000000000000');
    assert.equal(generation, `g${(1_700_000_000_000).toString(36)}-0123abcd`);
    assert.equal(names.generationOf(names.index(generation, 'accounts'), 'accounts'), generation);
    assert.equal(names.generationOf(names.index(generation, 'accounts'), 'checkpoints'), null);
    assert.equal(names.generationOf('other-accounts-g0', 'accounts'), null);
    assert.equal(names.generationOf(names.writeAlias('g0', 'accounts'), 'accounts'), null);
  });

  test('generation ids are checked before they become index names', () => {
    assert.equal(isGenerationId(FIRST_GENERATION), true);
    assert.equal(isGenerationId(newGenerationId()), true);
    for (const bad of ['*', 'g*', 'g0,other', '', 'G0', 'g0-write', 'g0-abc', '../g0', 'g 0']) {
      assert.equal(isGenerationId(bad), false, bad);
    }
  });

  test('a prefix that cannot start an index name is refused', () => {
    for (const bad of ['Ledger', '-ledger', '_x', 'a*b', 'a,b', 'a b', '']) {
      assert.throws(() => indexNames(bad), { code: 'VALIDATION' }, bad);
    }
  });
});
