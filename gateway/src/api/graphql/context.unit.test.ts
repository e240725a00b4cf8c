import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OPEN_ACCESS } from '../../auth/principal.js';
import type { Principal } from '../../auth/principal.js';
import { contextOf } from './context.js';
import type { GatewayServices } from './context.js';

// Apollo Server's own copy of an HTTP operation's context (ApolloServer.js, cloneObject).
const apolloCopy = <T extends object>(object: T): T =>
  Object.assign(Object.create(Object.getPrototypeOf(object) as object | null) as T, object);

describe('contextOf', () => {
  const services = {
    teller: {},
    readModel: {},
    hub: {},
    balanceFeed: {},
    system: {},
    livePollMs: 1_000,
  } as unknown as GatewayServices;
  const customer: Principal = { subject: 'alice', roles: ['customer'], expiresAt: null };

  test("carries the gateway's services and who asks, through Apollo's copy of it", () => {
    const copy = apolloCopy(contextOf(services, customer, 'req-1'));
    assert.equal(copy.teller, services.teller);
    assert.equal(copy.readModel, services.readModel);
    assert.equal(copy.hub, services.hub);
    assert.equal(copy.balanceFeed, services.balanceFeed);
    assert.equal(copy.system, services.system);
    assert.equal(copy.livePollMs, 1_000);
    assert.equal(copy.principal, customer);
    assert.equal(copy.requestId, 'req-1');
  });

  test('each operation has its own caller and request id; the services are shared, not copied', () => {
    const first = contextOf(services, customer, 'req-1');
    const second = contextOf(services, OPEN_ACCESS, 'req-2');
    assert.equal(first.principal, customer);
    assert.equal(second.principal, OPEN_ACCESS);
    assert.equal(second.requestId, 'req-2');
    assert.deepEqual(Object.keys(apolloCopy(first)).sort(), ['principal', 'requestId']);
  });
});
