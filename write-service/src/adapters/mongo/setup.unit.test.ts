import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from 'mongodb';
import { databaseInUrl, requireReplicaSet } from './setup.js';

/** A database whose `hello` answers `reply` (shapes from the server's hello command reference). */
const answering = (reply: Record<string, unknown>) =>
  ({ admin: () => ({ command: async () => ({ ...reply, ok: 1 }) }) }) as unknown as Db;

describe('mongo setup', () => {
  test('a standalone server is refused at once, saying how to make it a replica set', async () => {
    const standalone = answering({ isWritablePrimary: true, maxWireVersion: 21 });
    await assert.rejects(requireReplicaSet(standalone), /not a replica set.*--replSet.*replicaSet=rs0/s);
  });

  test('a replica set member or a mongos is accepted', async () => {
    await requireReplicaSet(answering({ isWritablePrimary: true, setName: 'rs0', hosts: ['mongo:27017'] }));
    await requireReplicaSet(answering({ isWritablePrimary: true, msg: 'isdbgrid' }));
  });

  test('the database named in a connection string', () => {
    assert.equal(databaseInUrl('mongodb://mongo:27017/ledger?replicaSet=rs0'), 'ledger');
    assert.equal(databaseInUrl('mongodb://u:p@a:1,b:2/bank-1'), 'bank-1');
    assert.equal(databaseInUrl('mongodb+srv://cluster.example.net/ledger_eu?retryWrites=true'), 'ledger_eu');
    assert.equal(databaseInUrl('mongodb://mongo:27017/?replicaSet=rs0'), undefined);
    assert.equal(databaseInUrl('mongodb://mongo:27017'), undefined);
  });
});
