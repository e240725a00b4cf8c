import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestSystem } from './testing/harness.js';
import type { TestSystem } from './testing/harness.js';

describe('seed-compatible REST routes', () => {
  let ledger: TestSystem;
  before(async () => {
    ledger = await startTestSystem();
  });
  after(async () => {
    await ledger.dispose();
  });

  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${ledger.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const get = async (path: string) => {
    const response = await fetch(`${ledger.baseUrl}${path}`);
    return { status: response.status, body: (await response.json()) as unknown };
  };

  test('accounts, deposits, withdrawals, transfers and balances', async () => {
    const a = await post('/accounts', { owner: 'rest-b' });
    const b = await post('/accounts', { owner: 'rest-a' });
    assert.equal(a.status, 201);
    const idA = a.body.id as string;
    const idB = b.body.id as string;

    const deposit = await post('/transactions', { to: idA, money: 900 });
    assert.ok(deposit.body.id);
    await post('/transactions', { from: idA, money: '100' });
    await post('/transactions', { from: idA, to: idB, money: 300 });

    assert.deepEqual((await get(`/balance/${idA}`)).body, { id: idA, balance: '500' });
    assert.deepEqual((await get(`/balance/${idB}`)).body, { id: idB, balance: '300' });
    const account = (await get(`/accounts/${idA}`)).body as { id: string; owner: string; balance: string };
    assert.equal(account.owner, 'rest-b');
    assert.equal(account.balance, '500');

    const listed = (await get('/balance')).body as Array<{ id: string; owner: string }>;
    const owners = listed.map((entry) => entry.owner);
    assert.deepEqual(owners, [...owners].sort());
    assert.ok(listed.some((entry) => entry.id === idA) && listed.some((entry) => entry.id === idB));
  });
});
