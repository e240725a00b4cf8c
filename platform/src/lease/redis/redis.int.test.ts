import { after, test } from 'node:test';
import { randomUUID } from 'node:crypto';
import { engineUrl } from '../../testing/engines.js';
import { defineLeaseContract } from '../lease.contract.js';
import { createRedisLeaseStore } from './redis-lease-store.js';
import { deleteKeys } from '../../testing/redis-keys.js';

const url = engineUrl('redis');

if (url === null) {
  test('LeaseStore contract: redis', { skip: 'REDIS_URL not set' }, () => undefined);
} else {
  // One prefix per run, one sub-prefix per store: concurrent tests and runs never share a key.
  const run = `ledger-test-${randomUUID()}`;
  let stores = 0;
  defineLeaseContract('redis', () =>
    createRedisLeaseStore({ url, keyPrefix: `${run}:${++stores}`, commandTimeoutMs: 1_000 }),
  );
  after(() => deleteKeys(url, run));
}
