import { engineUrl } from '@ledger/platform/testing';
import { defineRateLimitContract } from '../../ports/rate-limit.contract.js';
import { createMemoryRateLimit } from './memory.js';
import { createRedisRateLimit } from './redis.js';

defineRateLimitContract('memory', (perSecond) => createMemoryRateLimit({ perSecond }), { shared: false });

const url = engineUrl('redis');
if (url !== null) {
  // Keys expire with their one-second window: nothing to clean up.
  defineRateLimitContract(
    'redis',
    (perSecond, scope) => createRedisRateLimit({ url, perSecond, keyPrefix: `ledger-test-${scope}` }),
    { shared: true },
  );
}
