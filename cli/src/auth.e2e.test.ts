import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, UnsecuredJWT } from 'jose';
import {
  AccountsDocument,
  DepositDocument,
  LedgerSocketClosedError,
  OpenAccountDocument,
  TransactionUpdatedDocument,
} from '@ledger/client';
import * as grpc from '@grpc/grpc-js';
import { ConfigError, loadConfig, silentLogger } from '@ledger/platform';
import { loadLedgerProto, serviceSecretInterceptor } from '@ledger/schema';
import { startSystem } from './system.js';
import { startTestSystem } from './testing/harness.js';
import type { TestSystem } from './testing/harness.js';
import { JWT_ENV, TEST_SECRET, TEST_SERVICE_SECRET, tokenFor } from './testing/tokens.js';

/** Who is refused, and how: every request below carries one of these instead of a good token. */
const badCredentials = async (): Promise<Array<[string, string | undefined]>> => [
  ['no token', undefined],
  ['not a bearer token', 'Basic YWRtaW46YWRtaW4='],
  ['an expired token', `Bearer ${await tokenFor('root', ['admin'], { ttlSec: -60 })}`],
  [
    'a wrong signature',
    `Bearer ${await tokenFor('root', ['admin'], { secret: 'another-secret-another-secret-123456' })}`,
  ],
  [
    'alg none',
    `Bearer ${new UnsecuredJWT({ roles: ['admin'] })
      .setSubject('root')
      .setAudience('ledger')
      .setExpirationTime('10m')
      .encode()}`,
  ],
  ['a wrong audience', `Bearer ${await tokenFor('root', ['admin'], { audience: 'another-api' })}`],
];

describe('identity: LEDGER_AUTH=jwt refuses requests and sockets without a valid token', () => {
  let ledger: TestSystem;
  let adminToken: string;
  before(async () => {
    ledger = await startTestSystem({ env: JWT_ENV });
    adminToken = await tokenFor('root', ['admin']);
  });
  after(async () => {
    await ledger.dispose();
  });

  const post = (path: string, body: unknown, authorization?: string) =>
    fetch(`${ledger.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify(body),
    });

  test('health probes and the playground stay open', async () => {
    assert.equal((await fetch(`${ledger.baseUrl}/healthz`)).status, 200);
    assert.equal((await fetch(`${ledger.baseUrl}/playground`)).status, 200);
  });

  test('GraphQL and REST answer 401 UNAUTHENTICATED and write nothing', async () => {
    const head = await ledger.storeHead();
    for (const [label, authorization] of await badCredentials()) {
      const graphql = await post(
        '/graphql',
        { query: 'mutation { openAccount(owner: "root") { id } }' },
        authorization,
      );
      assert.equal(graphql.status, 401, label);
      const body = (await graphql.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
      assert.equal(body.errors[0]!.extensions.code, 'UNAUTHENTICATED', label);
      assert.ok(body.errors[0]!.message.length > 0);

      const rest = await post('/accounts', { owner: 'root' }, authorization);
      assert.equal(rest.status, 401, label);
      assert.match(rest.headers.get('www-authenticate') ?? '', /^Bearer/, label);
      assert.equal(((await rest.json()) as { error: { code: string } }).error.code, 'UNAUTHENTICATED', label);
      const read = await fetch(`${ledger.baseUrl}/balance`, { headers: authorization ? { authorization } : {} });
      assert.equal(read.status, 401, label);
    }
    assert.equal(await ledger.storeHead(), head, 'nothing is written');
  });

  test('a token whose subject is longer than an actor may be is refused at the door, not at each write', async () => {
    const response = await post(
      '/graphql',
      { query: '{ __typename }' },
      `Bearer ${await tokenFor('s'.repeat(201), ['teller'])}`,
    );
    assert.equal(response.status, 401);
    const body = (await response.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
    assert.equal(body.errors[0]!.extensions.code, 'UNAUTHENTICATED');
    assert.match(body.errors[0]!.message, /longer than 200/);
    const fine = await post(
      '/graphql',
      { query: '{ __typename }' },
      `Bearer ${await tokenFor('s'.repeat(200), ['teller'])}`,
    );
    assert.equal(fine.status, 200);
  });

  test('a token without exp is refused, and the answer says the claim is missing', async () => {
    const forever = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('root')
      .setAudience('ledger')
      .sign(new TextEncoder().encode(TEST_SECRET));
    const response = await post('/graphql', { query: '{ __typename }' }, `Bearer ${forever}`);
    assert.equal(response.status, 401);
    const body = (await response.json()) as { errors: Array<{ message: string }> };
    assert.equal(body.errors[0]!.message, 'the token has no exp claim, which is required');
  });

  test('a valid token passes, and the request id comes back', async () => {
    const response = await post('/graphql', { query: '{ accounts(first: 1) { totalCount } }' }, `Bearer ${adminToken}`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    const admin = ledger.clientWith(adminToken);
    const opened = await admin.request(OpenAccountDocument, { owner: 'zoe' });
    assert.equal(opened.openAccount.owner, 'zoe');
    assert.ok((await admin.request(AccountsDocument, { first: 5 })).accounts.totalCount >= 1);
  });

  test('a websocket without a valid token is closed with 4403 at connection_init', async () => {
    for (const [label, authorization] of await badCredentials()) {
      const client = ledger.clientWith(authorization?.replace(/^Bearer /, ''));
      const live = client.subscribe(TransactionUpdatedDocument, { id: crypto.randomUUID() });
      const error = await live.ready.then(
        () => assert.fail(`${label}: the socket was accepted`),
        (caught: unknown) => caught,
      );
      assert.ok(error instanceof LedgerSocketClosedError, `${label}: ${String(error)}`);
      assert.equal(error.code, 4403, label);
      live.close();
    }
  });

  test('a socket is closed with 4403 when its token expires', async () => {
    const admin = ledger.clientWith(adminToken);
    const account = (await admin.request(OpenAccountDocument, { owner: 'yann' })).openAccount.id;
    const shortLived = ledger.clientWith(await tokenFor('root', ['admin'], { ttlSec: 2 }));
    const deposit = await admin.request(DepositDocument, { accountId: account, amount: '5', consistency: 'EVENTUAL' });
    const live = shortLived.subscribe(TransactionUpdatedDocument, { id: deposit.deposit.id });
    const received: string[] = [];
    const closed = await (async () => {
      try {
        // The transaction settles, then the subscription completes: keep one open that never does.
        for await (const update of live) received.push(update.transactionUpdated.status);
        const pending = shortLived.subscribe(TransactionUpdatedDocument, { id: crypto.randomUUID() });
        for await (const _ of pending) assert.fail('nothing happens to an unknown transaction');
        return null;
      } catch (error) {
        return error;
      }
    })();
    assert.ok(received.includes('SUCCEEDED'), 'the subscription worked while the token was valid');
    assert.ok(closed instanceof LedgerSocketClosedError, String(closed));
    assert.equal(closed.code, 4403);
    assert.match(closed.reason, /expired/);
  });
});

describe('between the processes: the write service takes gRPC calls only with the service secret under jwt', () => {
  /** A CommandService Deposit naming `actor`, with the interceptors given (the secret's, or none). */
  const deposit = (port: number, accountId: string, interceptors: grpc.Interceptor[]) =>
    new Promise<void>((resolve, reject) => {
      const client = new (loadLedgerProto().ledger.v1.CommandService)(
        `127.0.0.1:${port}`,
        grpc.credentials.createInsecure(),
        { interceptors },
      );
      const metadata = new grpc.Metadata();
      metadata.set('ledger-actor', 'mallory');
      const request = { accountId, amount: '1000000', idempotencyKey: '', correlationId: '' };
      client.deposit(request, metadata, (error: grpc.ServiceError | null) => {
        client.close();
        return error ? reject(error) : resolve();
      });
    });
  const unauthenticated = (error: unknown) => (error as grpc.ServiceError).code === grpc.status.UNAUTHENTICATED;

  test('a deposit over gRPC naming any actor is refused without the secret and writes nothing', async () => {
    const ledger = await startTestSystem({ env: JWT_ENV });
    try {
      const teller = ledger.clientWith(await tokenFor('tom', ['teller']));
      const { openAccount } = await teller.request(OpenAccountDocument, { owner: 'dora' });
      const head = await ledger.storeHead();
      const port = ledger.system.grpcPort!;
      await assert.rejects(deposit(port, openAccount.id, []), unauthenticated);
      await assert.rejects(
        deposit(port, openAccount.id, [serviceSecretInterceptor('a-guess-that-is-long-enough-0123456789')]),
        unauthenticated,
      );
      assert.equal(await ledger.storeHead(), head, 'nothing is written');
      // The deployment's own processes carry it.
      await deposit(port, openAccount.id, [serviceSecretInterceptor(TEST_SERVICE_SECRET)]);
      assert.ok((await ledger.storeHead()) > head);
    } finally {
      await ledger.dispose();
    }
  });

  test('`ledger all` under jwt without a secret lets nobody else call; a service run apart does not start', async () => {
    const env = { LEDGER_AUTH: 'jwt', LEDGER_JWT_SECRET: TEST_SECRET, LEDGER_JWT_AUDIENCE: 'ledger' };
    const ledger = await startTestSystem({ env });
    try {
      await assert.rejects(deposit(ledger.system.grpcPort!, crypto.randomUUID(), []), unauthenticated);
    } finally {
      await ledger.dispose();
    }
    const alone = loadConfig({ ...env, GRPC_PORT: '0', HTTP_PORT: '0', LEDGER_DATA_DIR: ledger.dataDir });
    await assert.rejects(
      startSystem({ config: alone, logger: silentLogger(), roles: new Set(['write-service']) }),
      (error: unknown) => error instanceof ConfigError && /LEDGER_SERVICE_SECRET/.test(error.message),
    );
  });
});
