import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import type { Lease, LeaseStore } from './port.js';

/** Builds a fresh, isolated store for one test; the contract closes it afterwards. */
export type MakeLeaseStore = () => LeaseStore | Promise<LeaseStore>;

// Short TTLs keep the suite fast; waits past an expiry are generous because timers only ever run late.
const SHORT_TTL = 300;
const PAST_SHORT_TTL = 450;
const LONG_TTL = 10_000;

/**
 * The LeaseStore port's behaviour, run against every adapter. Tests run concurrently, each on its own
 * store, so `make` must isolate them (e.g. a key prefix per store).
 */
export function defineLeaseContract(name: string, make: MakeLeaseStore): void {
  const withStore = (title: string, body: (store: LeaseStore) => Promise<void>): void => {
    test(title, async () => {
      const store = await make();
      try {
        await body(store);
      } finally {
        await store.close();
      }
    });
  };
  const mustAcquire = async (store: LeaseStore, lease: string, owner: string, ttlMs: number): Promise<Lease> => {
    const granted = await store.acquire(lease, owner, ttlMs);
    assert.ok(granted, `${owner} should get ${lease}`);
    return granted;
  };

  describe(`LeaseStore contract: ${name}`, { concurrency: true }, () => {
    withStore('a grant names its lease, owner, token and expiry', async (store) => {
      const before = Date.now();
      const lease = await mustAcquire(store, 'projector/3', 'replica-a', LONG_TTL);
      assert.equal(lease.name, 'projector/3');
      assert.equal(lease.owner, 'replica-a');
      assert.ok(Number.isInteger(lease.token) && lease.token > 0);
      assert.ok(lease.expiresAt >= before + LONG_TTL - 50 && lease.expiresAt <= Date.now() + LONG_TTL);
    });

    withStore('a held lease is exclusive, even among concurrent acquirers', async (store) => {
      await mustAcquire(store, 'p/0', 'a', LONG_TTL);
      assert.equal(await store.acquire('p/0', 'b', LONG_TTL), null);
      assert.equal(await store.acquire('p/0', 'a', LONG_TTL), null, 'not even the holder gets a second grant');
      const owners = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
      const grants = await Promise.all(owners.map((owner) => store.acquire('p/1', owner, LONG_TTL)));
      assert.equal(grants.filter((grant) => grant !== null).length, 1);
      assert.ok(await store.acquire('p/2', 'b', LONG_TTL), 'other names are independent');
    });

    withStore('an expired lease lets another owner in, with a higher token', async (store) => {
      const first = await mustAcquire(store, 'p/0', 'a', SHORT_TTL);
      assert.equal(await store.acquire('p/0', 'b', SHORT_TTL), null);
      await delay(PAST_SHORT_TTL);
      const second = await mustAcquire(store, 'p/0', 'b', LONG_TTL);
      assert.ok(second.token > first.token);
    });

    withStore('fencing tokens strictly increase across grants and currentToken follows', async (store) => {
      assert.equal(await store.currentToken('p/0'), 0);
      const tokens: number[] = [];
      for (const owner of ['a', 'b', 'a']) {
        const lease = await mustAcquire(store, 'p/0', owner, LONG_TTL);
        tokens.push(lease.token);
        assert.equal(await store.currentToken('p/0'), lease.token);
        await store.release(lease);
      }
      const expiring = await mustAcquire(store, 'p/0', 'c', SHORT_TTL);
      await delay(PAST_SHORT_TTL);
      const after = await mustAcquire(store, 'p/0', 'd', LONG_TTL);
      tokens.push(expiring.token, after.token);
      for (let i = 1; i < tokens.length; i++) assert.ok(tokens[i]! > tokens[i - 1]!, `tokens ${tokens.join(',')}`);
      assert.equal(await store.currentToken('p/0'), after.token);
      assert.equal(await store.currentToken('p/1'), 0, 'tokens are per name');
    });

    withStore('renew extends a held lease past its first expiry', async (store) => {
      const lease = await mustAcquire(store, 'p/0', 'a', SHORT_TTL);
      await delay(100);
      const renewed = await store.renew(lease, 1_500);
      assert.ok(renewed, 'renewal of a held lease succeeds');
      assert.equal(renewed.token, lease.token, 'renewal keeps the fencing token');
      assert.ok(renewed.expiresAt >= lease.expiresAt + 1_000);
      await delay(PAST_SHORT_TTL);
      assert.equal(await store.acquire('p/0', 'b', SHORT_TTL), null, 'still held after the first TTL');
      assert.ok(await store.renew(renewed, SHORT_TTL), 'and renewable again');
    });

    withStore('renew fails once the lease is lost, released or expired', async (store) => {
      const lost = await mustAcquire(store, 'p/0', 'a', SHORT_TTL);
      await delay(PAST_SHORT_TTL);
      const taker = await mustAcquire(store, 'p/0', 'b', LONG_TTL);
      assert.equal(await store.renew(lost, LONG_TTL), null, 'expired and taken');
      assert.ok(await store.renew(taker, LONG_TTL), 'the new holder still renews');

      const released = await mustAcquire(store, 'p/1', 'a', LONG_TTL);
      await store.release(released);
      assert.equal(await store.renew(released, LONG_TTL), null, 'released');

      const expired = await mustAcquire(store, 'p/2', 'a', SHORT_TTL);
      await delay(PAST_SHORT_TTL);
      assert.equal(await store.renew(expired, LONG_TTL), null, 'expired, even if nobody took it');
    });

    withStore('release frees the lease at once, and only for the current grant', async (store) => {
      const lease = await mustAcquire(store, 'p/0', 'a', LONG_TTL);
      await store.release(lease);
      const next = await mustAcquire(store, 'p/0', 'b', LONG_TTL);

      await store.release(lease); // a stale grant's release must not free the new holder's lease
      assert.equal(await store.acquire('p/0', 'c', LONG_TTL), null);
      assert.ok(await store.renew(next, LONG_TTL));
      await store.release({ ...next, owner: 'c' });
      assert.equal(await store.acquire('p/0', 'c', LONG_TTL), null, 'another owner cannot release it either');

      const expired = await mustAcquire(store, 'p/1', 'a', SHORT_TTL);
      await delay(PAST_SHORT_TTL);
      const taken = await mustAcquire(store, 'p/1', 'b', LONG_TTL);
      await store.release(expired);
      assert.equal(await store.acquire('p/1', 'c', LONG_TTL), null, 'an expired grant releases nothing');
      assert.ok(await store.renew(taken, LONG_TTL));
    });

    withStore('holders name the owner and token of each held lease, null for free or expired ones', async (store) => {
      assert.deepEqual(await store.holders([]), []);
      const a = await mustAcquire(store, 'saga/0', 'replica-a', LONG_TTL);
      const b = await mustAcquire(store, 'saga/1', 'replica-b:with-colon', SHORT_TTL);
      const c = await mustAcquire(store, 'saga/2', 'replica-a', LONG_TTL);
      await store.release(c);
      assert.deepEqual(await store.holders(['saga/1', 'saga/0', 'saga/2', 'saga/9']), [
        { owner: 'replica-b:with-colon', token: b.token },
        { owner: 'replica-a', token: a.token },
        null,
        null,
      ]);
      await delay(PAST_SHORT_TTL);
      assert.deepEqual(await store.holders(['saga/0', 'saga/1']), [{ owner: 'replica-a', token: a.token }, null]);
    });

    withStore('members are the live heartbeating members, sorted', async (store) => {
      assert.deepEqual(await store.members('projector'), []);
      await store.heartbeat('projector', 'replica-c', LONG_TTL);
      await store.heartbeat('projector', 'replica-a', LONG_TTL);
      await store.heartbeat('projector', 'replica-b', SHORT_TTL);
      await store.heartbeat('forwarder', 'replica-z', LONG_TTL);
      assert.deepEqual(await store.members('projector'), ['replica-a', 'replica-b', 'replica-c']);
      assert.deepEqual(await store.members('forwarder'), ['replica-z'], 'groups are independent');
      await delay(PAST_SHORT_TTL);
      assert.deepEqual(await store.members('projector'), ['replica-a', 'replica-c'], 'b expired');
      await store.leave('projector', 'replica-c');
      assert.deepEqual(await store.members('projector'), ['replica-a'], 'c left');
      await store.leave('projector', 'never-joined');
      await store.heartbeat('projector', 'replica-b', LONG_TTL);
      assert.deepEqual(await store.members('projector'), ['replica-a', 'replica-b'], 'b is back');
    });

    withStore('heartbeats keep a member live past its first TTL', async (store) => {
      await store.heartbeat('g', 'm', SHORT_TTL);
      await delay(SHORT_TTL / 2);
      await store.heartbeat('g', 'm', SHORT_TTL * 3);
      await delay(PAST_SHORT_TTL);
      assert.deepEqual(await store.members('g'), ['m']);
    });
  });
}
