import { after, test } from 'node:test';
import { randomUUID } from 'node:crypto';
import { engineUrl } from '../testing/engines.js';
import { defineBalancerScenarios } from '../testing/balancer-scenarios.js';
import { createRedisLeaseStore } from './redis/redis-lease-store.js';
import { deleteKeys } from '../testing/redis-keys.js';
import { createTcpProxy } from '../testing/tcp-proxy.js';

const url = engineUrl('redis');

if (url === null) {
  test('lease balancer scenarios: redis', { skip: 'REDIS_URL not set' }, () => undefined);
} else {
  const run = `ledger-test-${randomUUID()}`;
  // Each replica reaches Redis through its own proxy, so one replica's network can fail alone.
  defineBalancerScenarios('redis', async () => {
    const proxy = await createTcpProxy(url);
    const store = createRedisLeaseStore({ url: proxy.url, keyPrefix: run, commandTimeoutMs: 300 });
    return {
      store,
      cut: () => proxy.cut(),
      restore: () => proxy.restore(),
      close: async () => {
        await store.close();
        await proxy.close();
      },
    };
  });
  after(() => deleteKeys(url, run));
}
