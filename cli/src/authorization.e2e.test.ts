import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import {
  AccountDocument,
  AccountsDocument,
  BalanceChangedDocument,
  ChangeOwnerDocument,
  CloseAccountDocument,
  DepositDocument,
  LedgerClientError,
  OpenAccountDocument,
  StatementDocument,
  TransactionDocument,
  TransactionUpdatedDocument,
  TransferDocument,
  WithdrawDocument,
} from '@ledger/client';
import type { LedgerClient } from '@ledger/client';
import { startTestSystem } from './testing/harness.js';
import type { TestSystem } from './testing/harness.js';
import { JWT_ENV, tokenFor } from './testing/tokens.js';

describe('authorization: customers act on their own accounts, tellers and admins on all', () => {
  let ledger: TestSystem;
  const tokens: Record<string, string> = {};
  let alice: LedgerClient;
  let bob: LedgerClient;
  let teller: LedgerClient;
  let admin: LedgerClient;
  let aliceAccount: string;
  let bobAccount: string;
  let bobDeposit: string;

  before(async () => {
    ledger = await startTestSystem({ env: JWT_ENV });
    tokens.alice = await tokenFor('alice', ['customer']);
    tokens.bob = await tokenFor('bob', ['customer']);
    tokens.tom = await tokenFor('tom', ['teller']);
    tokens.root = await tokenFor('root', ['admin']);
    tokens.nobody = await tokenFor('nobody', []);
    alice = ledger.clientWith(tokens.alice);
    bob = ledger.clientWith(tokens.bob);
    teller = ledger.clientWith(tokens.tom);
    admin = ledger.clientWith(tokens.root);
    aliceAccount = (await alice.request(OpenAccountDocument, { owner: 'alice' })).openAccount.id;
    bobAccount = (await bob.request(OpenAccountDocument, { owner: 'bob' })).openAccount.id;
    await teller.request(DepositDocument, { accountId: aliceAccount, amount: '1000' });
    bobDeposit = (await teller.request(DepositDocument, { accountId: bobAccount, amount: '1000' })).deposit.id;
  });
  after(async () => {
    await ledger.dispose();
  });

  /** Runs the operation, expects `code`, and checks that the store did not move. */
  const refused = async <R, V>(
    client: LedgerClient,
    document: TypedDocumentNode<R, V>,
    variables: V,
    code = 'FORBIDDEN',
  ): Promise<void> => {
    const head = await ledger.storeHead();
    const result = await client.execute(document, variables);
    assert.equal(result.errors?.[0]?.extensions?.code, code, JSON.stringify(result));
    assert.equal(await ledger.storeHead(), head, 'nothing is written');
  };

  const rest = (method: string, path: string, token: string, body?: unknown) =>
    fetch(`${ledger.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  test('a customer reads, withdraws from and transfers from their own accounts, and pays anyone', async () => {
    const own = await alice.request(AccountDocument, { id: aliceAccount });
    assert.equal(own.account?.owner, 'alice');
    const listed = await alice.request(AccountsDocument, { first: 100 });
    assert.deepEqual(
      listed.accounts.edges.map((edge) => edge.node.owner),
      listed.accounts.edges.map(() => 'alice'),
    );
    assert.equal(listed.accounts.totalCount, 1);
    const withdrawal = await alice.request(WithdrawDocument, { accountId: aliceAccount, amount: '100' });
    assert.equal(withdrawal.withdraw.status, 'SUCCEEDED');
    assert.equal(withdrawal.withdraw.initiatedBy, 'alice');
    const payment = await alice.request(TransferDocument, { from: aliceAccount, to: bobAccount, amount: '250' });
    assert.equal(payment.transfer.status, 'SUCCEEDED');
    // Both ends see the transfer; who asked for it is recorded.
    for (const client of [alice, bob]) {
      const seen = await client.request(TransactionDocument, { id: payment.transfer.id });
      assert.equal(seen.transaction?.initiatedBy, 'alice');
    }
    const balance = await rest('GET', `/balance/${aliceAccount}`, tokens.alice!);
    assert.deepEqual(await balance.json(), { id: aliceAccount, balance: '650' });
    const all = (await (await rest('GET', '/balance', tokens.alice!)).json()) as Array<{ owner: string }>;
    assert.deepEqual(
      all.map((row) => row.owner),
      ['alice'],
    );
    const opened = await rest('POST', '/accounts', tokens.alice!, {});
    assert.equal(opened.status, 201, 'REST opens for the caller by default');
  });

  test("a customer cannot read, move or watch another's money (GraphQL)", async () => {
    await refused(alice, AccountDocument, { id: bobAccount });
    await refused(alice, AccountsDocument, { owner: 'bob', first: 10 });
    await refused(alice, TransactionDocument, { id: bobDeposit });
    const window = { from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' };
    await refused(alice, StatementDocument, { accountId: bobAccount, ...window });
    const own = await alice.request(StatementDocument, { accountId: aliceAccount, ...window });
    assert.ok(own.statement);
    await refused(alice, WithdrawDocument, { accountId: bobAccount, amount: '1' });
    await refused(alice, TransferDocument, { from: bobAccount, to: aliceAccount, amount: '1' });
    await refused(alice, DepositDocument, { accountId: aliceAccount, amount: '1' });
    await refused(alice, OpenAccountDocument, { owner: 'bob' });
    await refused(alice, CloseAccountDocument, { accountId: bobAccount });
    await refused(alice, ChangeOwnerDocument, { accountId: aliceAccount, owner: 'mallory' });
    const nobody = ledger.clientWith(tokens.nobody!);
    await refused(nobody, AccountsDocument, { first: 1 });
    await refused(nobody, OpenAccountDocument, { owner: 'nobody' });
  });

  test("a customer cannot read or move another's money (REST, 403)", async () => {
    const head = await ledger.storeHead();
    const expect403 = async (response: Response): Promise<void> => {
      assert.equal(response.status, 403);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'FORBIDDEN');
    };
    await expect403(await rest('GET', `/accounts/${bobAccount}`, tokens.alice!));
    await expect403(await rest('GET', `/balance/${bobAccount}`, tokens.alice!));
    await expect403(
      await rest('POST', '/transactions', tokens.alice!, { from: bobAccount, to: aliceAccount, money: 5 }),
    );
    await expect403(await rest('POST', '/transactions', tokens.alice!, { from: bobAccount, money: 5 }));
    await expect403(await rest('POST', '/transactions', tokens.alice!, { to: aliceAccount, money: 5 }));
    await expect403(await rest('POST', '/accounts', tokens.alice!, { owner: 'bob' }));
    await expect403(await rest('POST', '/rebuild/balance', tokens.tom!));
    await expect403(await rest('GET', '/rebuild/balance', tokens.alice!));
    assert.equal(await ledger.storeHead(), head, 'nothing is written');
  });

  test("a customer cannot subscribe to another's account or transaction (websocket)", async () => {
    for (const live of [
      alice.subscribe(BalanceChangedDocument, { accountIds: [aliceAccount, bobAccount] }),
      alice.subscribe(TransactionUpdatedDocument, { id: bobDeposit }),
    ]) {
      const error = await live[Symbol.asyncIterator]()
        .next()
        .then(
          () => assert.fail('the subscription was accepted'),
          (caught: unknown) => caught,
        );
      assert.ok(error instanceof LedgerClientError, String(error));
      assert.equal(error.code, 'FORBIDDEN');
      live.close();
    }
    // Their own account they may watch.
    const own = alice.subscribe(BalanceChangedDocument, { accountIds: [aliceAccount] });
    const iterator = own[Symbol.asyncIterator]();
    await own.ready;
    // Deposit until the server has the subscription: one pending next(), so no change is lost to a stale wait.
    const first = iterator.next();
    let change: IteratorResult<unknown> | null = null;
    while (change === null) {
      await teller.request(DepositDocument, { accountId: aliceAccount, amount: '1', consistency: 'EVENTUAL' });
      change = await Promise.race([first, new Promise<null>((resolve) => setTimeout(() => resolve(null), 1000))]);
    }
    assert.equal(change.done, false);
    own.close();
  });

  test("a caller's idempotency keys are their own: one customer's key neither blocks nor shows another's request", async () => {
    const key = `invoice-${randomUUID()}`;
    const paid = await alice.request(TransferDocument, {
      from: aliceAccount,
      to: bobAccount,
      amount: '1',
      idempotencyKey: key,
    });
    // The teller's deposit with the same key is its own request, not alice's refused as "other arguments".
    const deposited = await teller.request(DepositDocument, {
      accountId: bobAccount,
      amount: '5',
      idempotencyKey: key,
    });
    assert.notEqual(deposited.deposit.id, paid.transfer.id);
    assert.equal(deposited.deposit.status, 'SUCCEEDED');
    const repeated = await alice.request(TransferDocument, {
      from: aliceAccount,
      to: bobAccount,
      amount: '1',
      idempotencyKey: key,
    });
    assert.equal(repeated.transfer.id, paid.transfer.id);
  });

  test('tellers act on every account; admins also rebuild and see the operator view', async () => {
    assert.equal((await teller.request(AccountDocument, { id: bobAccount })).account?.owner, 'bob');
    const moved = await teller.request(TransferDocument, { from: bobAccount, to: aliceAccount, amount: '10' });
    assert.equal(moved.transfer.initiatedBy, 'tom');
    assert.ok((await teller.request(AccountsDocument, { first: 100 })).accounts.totalCount >= 3);
    const system = await (await rest('POST', '/graphql', tokens.tom!, { query: '{ system { __typename } }' })).json();
    assert.equal(
      (system as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code,
      'FORBIDDEN',
    );
    const operator = (await (
      await rest('POST', '/graphql', tokens.root!, { query: '{ system { __typename } }' })
    ).json()) as { data: unknown };
    assert.ok(operator.data);
    for (const method of ['POST', 'GET']) {
      const rebuilt = await rest(method, '/rebuild/balance', tokens.root!);
      assert.equal(rebuilt.status, 200, method);
    }
    assert.equal((await admin.request(AccountDocument, { id: aliceAccount })).account?.owner, 'alice');
  });

  test('every event names its actor and request, from the gateway through gRPC to the store', async () => {
    const requestId = `audit-${Date.now()}`;
    const response = await fetch(ledger.url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tokens.alice}`,
        'content-type': 'application/json',
        'x-request-id': requestId,
      },
      body: JSON.stringify({
        query: 'mutation($from: ID!, $to: ID!) { transfer(from: $from, to: $to, amount: "7") { id status } }',
        variables: { from: aliceAccount, to: bobAccount },
      }),
    });
    assert.equal(response.headers.get('x-request-id'), requestId);
    const transfer = ((await response.json()) as { data: { transfer: { id: string; status: string } } }).data.transfer;
    assert.equal(transfer.status, 'SUCCEEDED');
    const transactionEvents = await ledger.events(transfer.id);
    const accountEvents = [...(await ledger.events(aliceAccount)), ...(await ledger.events(bobAccount))].filter(
      (event) => event.metadata.requestId === requestId,
    );
    assert.deepEqual(
      transactionEvents.map((event) => event.type),
      ['TransactionRequested', 'TransactionSucceeded'],
    );
    assert.deepEqual(accountEvents.map((event) => event.type).sort(), ['MoneyDeposited', 'MoneyWithdrawn']);
    for (const event of [...transactionEvents, ...accountEvents]) {
      assert.equal(event.metadata.actor, 'alice', event.type);
      assert.equal(event.metadata.requestId, requestId, event.type);
    }
    const [opened] = await ledger.events(bobAccount);
    assert.equal(opened?.metadata.actor, 'bob');
  });
});
