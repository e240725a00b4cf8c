import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import {
  AccountDocument,
  AccountsDocument,
  AccountWithTransactionsDocument,
  DepositDocument,
  OpenAccountDocument,
  TransferDocument,
  WithdrawDocument,
} from '@ledger/client';
import { eventually, startTestSystem } from './testing/harness.js';
import type { TestSystem } from './testing/harness.js';

describe('bad input gets a clear error code and writes nothing', () => {
  let ledger: TestSystem;
  let alice: string;
  let bob: string;
  before(async () => {
    ledger = await startTestSystem();
    alice = (await ledger.client.request(OpenAccountDocument, { owner: 'alice' })).openAccount.id;
    bob = (await ledger.client.request(OpenAccountDocument, { owner: 'bob' })).openAccount.id;
    await ledger.client.request(DepositDocument, { accountId: alice, amount: '1000' });
  });
  after(async () => {
    await ledger.dispose();
  });

  /** Runs the operation, expects one error with `code`, and checks the store did not move. */
  const rejects = async <R, V>(document: TypedDocumentNode<R, V>, variables: V, code: string): Promise<string> => {
    const before = await ledger.storeHead();
    const result = await ledger.client.execute(document, variables);
    assert.ok(result.errors?.length, `expected a ${code} error, got ${JSON.stringify(result.data)}`);
    assert.equal(result.errors[0]!.extensions?.code, code, JSON.stringify(result.errors));
    assert.ok(result.errors[0]!.message.length > 0);
    assert.equal(await ledger.storeHead(), before, 'nothing is written');
    return result.errors[0]!.message;
  };
  const amount = (value: unknown): string => value as string;

  test('amounts that are not positive 64-bit integers', async () => {
    for (const bad of ['0', '-5', 0, -1, 1.5, '1.5', '12abc', '', 'NaN', '9223372036854775808', 1e30, true]) {
      await rejects(DepositDocument, { accountId: alice, amount: amount(bad) }, 'BAD_USER_INPUT');
    }
    await rejects(WithdrawDocument, { accountId: alice, amount: '-1' }, 'BAD_USER_INPUT');
    await rejects(TransferDocument, { from: alice, to: bob, amount: '0' }, 'BAD_USER_INPUT');
    // A JSON number past 2^53 arrives rounded: the answer says to send a string, not that it is too big.
    const head = await ledger.storeHead();
    const response = await fetch(ledger.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"query":"mutation ($m: Money!) { deposit(accountId: \\"${alice}\\", amount: $m) { id } }","variables":{"m":9007199254740993}}`,
    });
    const rounded = (await response.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
    assert.equal(rounded.errors[0]!.extensions.code, 'BAD_USER_INPUT');
    assert.match(rounded.errors[0]!.message, /digit string/);
    assert.equal(await ledger.storeHead(), head);
  });

  test('malformed ids, empty owner, same from and to', async () => {
    await rejects(DepositDocument, { accountId: 'not-an-id', amount: '5' }, 'BAD_USER_INPUT');
    await rejects(TransferDocument, { from: alice, to: 'x', amount: '5' }, 'BAD_USER_INPUT');
    await rejects(AccountDocument, { id: 'nope' }, 'BAD_USER_INPUT');
    await rejects(OpenAccountDocument, { owner: '' }, 'BAD_USER_INPUT');
    await rejects(OpenAccountDocument, { owner: '   ' }, 'BAD_USER_INPUT');
    await rejects(OpenAccountDocument, { owner: 'nul\u0000byte' }, 'BAD_USER_INPUT');
    await rejects(OpenAccountDocument, { owner: 'half \ud800 a pair' }, 'BAD_USER_INPUT');
    const message = await rejects(TransferDocument, { from: alice, to: alice, amount: '5' }, 'BAD_USER_INPUT');
    assert.match(message, /differ|same/i);
  });

  test('an owner is answered as it is stored: trimmed, whatever the consistency', async () => {
    for (const consistency of ['EVENTUAL', 'READ_YOUR_WRITES'] as const) {
      const opened = (await ledger.client.request(OpenAccountDocument, { owner: ' bob ', consistency })).openAccount;
      assert.equal(opened.owner, 'bob', consistency);
      const stored = await eventually(
        async () => (await ledger.client.request(AccountDocument, { id: opened.id })).account ?? undefined,
      );
      assert.equal(stored.owner, 'bob', consistency);
    }
    const long = 'x'.repeat(200);
    const padded = (await ledger.client.request(OpenAccountDocument, { owner: ` ${long} ` })).openAccount;
    assert.equal(padded.owner, long, 'the length limit applies to the trimmed owner');
    await rejects(OpenAccountDocument, { owner: 'x'.repeat(201) }, 'BAD_USER_INPUT');
    // Asked for padded, an owner is found as stored.
    const listed = await ledger.client.request(AccountsDocument, { owner: ' bob ', first: 10 });
    assert.ok(listed.accounts.totalCount >= 2);
    assert.ok(listed.accounts.edges.every((edge) => edge.node.owner === 'bob'));
  });

  test('unknown accounts are NOT_FOUND', async () => {
    const ghost = randomUUID();
    await rejects(DepositDocument, { accountId: ghost, amount: '5' }, 'NOT_FOUND');
    await rejects(WithdrawDocument, { accountId: ghost, amount: '5' }, 'NOT_FOUND');
    await rejects(TransferDocument, { from: alice, to: ghost, amount: '5' }, 'NOT_FOUND');
    await rejects(TransferDocument, { from: ghost, to: alice, amount: '5' }, 'NOT_FOUND');
    const missing = await ledger.client.request(AccountDocument, { id: ghost });
    assert.equal(missing.account, null);
  });

  test('an idempotency key reused with other arguments', async () => {
    const key = `k-${randomUUID()}`;
    const first = await ledger.client.request(DepositDocument, { accountId: alice, amount: '5', idempotencyKey: key });
    assert.equal(first.deposit.status, 'SUCCEEDED');
    await rejects(DepositDocument, { accountId: alice, amount: '6', idempotencyKey: key }, 'BAD_USER_INPUT');
    await rejects(DepositDocument, { accountId: bob, amount: '5', idempotencyKey: key }, 'BAD_USER_INPUT');
    await rejects(WithdrawDocument, { accountId: alice, amount: '5', idempotencyKey: key }, 'BAD_USER_INPUT');
  });

  test('a query whose worst case is out of proportion is refused before it runs', async () => {
    const nested = await fetch(ledger.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query:
          '{ accounts(first: 100) { edges { node { id transactions(first: 100) { edges { node { id amount } } } } } } }',
      }),
    });
    const body = (await nested.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
    assert.equal(nested.status, 400);
    assert.equal(body.errors[0]!.extensions.code, 'BAD_USER_INPUT');
    assert.match(body.errors[0]!.message, /too complex/);
    // The largest ordinary pages still pass.
    const page = await ledger.client.request(AccountWithTransactionsDocument, { id: alice, first: 100 });
    assert.ok(page.account);
  });

  test('REST rejects bad bodies with 400 and unknown accounts with 404', async () => {
    const before = await ledger.storeHead();
    const post = (path: string, body: string) =>
      fetch(`${ledger.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal((await post('/accounts', '{"owner":""}')).status, 400);
    assert.equal((await post('/accounts', '{not json')).status, 400);
    assert.equal((await post('/transactions', JSON.stringify({ to: alice, money: -3 }))).status, 400);
    assert.equal((await post('/transactions', JSON.stringify({ to: alice, money: 1.25 }))).status, 400);
    assert.equal((await post('/transactions', JSON.stringify({ money: 5 }))).status, 400);
    assert.equal((await post('/transactions', JSON.stringify({ to: randomUUID(), money: 5 }))).status, 404);
    const missing = await fetch(`${ledger.baseUrl}/accounts/${randomUUID()}`);
    assert.equal(missing.status, 404);
    const body = (await missing.json()) as { error: { code: string } };
    assert.equal(body.error.code, 'NOT_FOUND');
    assert.equal(await ledger.storeHead(), before);
  });

  test('a subscription sent over HTTP is refused with 400 and where it belongs', async () => {
    const response = await fetch(ledger.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `subscription { balanceChanged(accountIds: ["${alice}"]) { balance } }` }),
    });
    assert.equal(response.status, 400);
    const body = (await response.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
    assert.equal(body.errors[0]!.extensions.code, 'GRAPHQL_VALIDATION_FAILED');
    assert.match(body.errors[0]!.message, /websockets \(graphql-ws\)/);
  });

  test("a request that cannot be read is the client's error: corrupt or unknown encodings, broken escapes", async () => {
    const before = await ledger.storeHead();
    const send = async (path: string, encoding: string, body: string) => {
      const response = await fetch(`${ledger.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': encoding },
        body,
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    for (const encoding of ['gzip', 'deflate', 'br']) {
      const graphql = await send('/graphql', encoding, 'not compressed at all');
      assert.equal(graphql.status, 400, encoding);
      assert.deepEqual(graphql.body, {
        errors: [{ message: 'the request body does not decompress', extensions: { code: 'BAD_REQUEST' } }],
      });
      const rest = await send('/accounts', encoding, 'not compressed at all');
      assert.equal(rest.status, 400, encoding);
      assert.deepEqual(rest.body, { error: { code: 'BAD_REQUEST', message: 'the request body does not decompress' } });
    }
    const unknown = await send('/accounts', 'compress', '{"owner":"x"}');
    assert.equal(unknown.status, 415);
    assert.equal((unknown.body.error as { code: string }).code, 'UNSUPPORTED_MEDIA_TYPE');
    for (const path of ['/balance/%E0%A4%A', '/accounts/%zz']) {
      const response = await fetch(`${ledger.baseUrl}${path}`);
      assert.equal(response.status, 400, path);
      assert.deepEqual(await response.json(), {
        error: { code: 'BAD_REQUEST', message: 'the request path has a malformed percent-escape' },
      });
    }
    assert.equal(await ledger.storeHead(), before);
  });
});
