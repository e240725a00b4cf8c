import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { loadConfig, silentLogger } from '@ledger/platform';
import { engineUrl } from '@ledger/platform/testing';
import {
  AccountDocument,
  BalanceChangedDocument,
  DepositDocument,
  OpenAccountDocument,
  persistedDocuments,
} from '@ledger/client';
import { startSystem } from './system.js';
import type { RunningSystem } from './system.js';
import { startTestSystem } from './testing/harness.js';
import type { TestSystem } from './testing/harness.js';
import WebSocket from 'ws';
import { openRawSocket } from './testing/raw-socket.js';
import { JWT_ENV, tokenFor } from './testing/tokens.js';
import type { RawSocket, SocketMessage } from './testing/raw-socket.js';

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: {
    errors?: Array<{ message: string; extensions?: { code?: string } }>;
    error?: { code: string; message: string };
    data?: unknown;
  };
}

const post = async (url: string, body: unknown): Promise<Answer> => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Answer['body'] };
};

const codeOf = (answer: Answer): string | undefined =>
  answer.body.errors?.[0]?.extensions?.code ?? answer.body.error?.code;

const errorsOf = (message: SocketMessage): Array<{ message: string; extensions?: { code?: string } }> =>
  message.payload as Array<{ message: string; extensions?: { code?: string } }>;

const aliased = (count: number, field: (i: number) => string): string =>
  Array.from({ length: count }, (_, i) => `a${i}: ${field(i)}`).join(' ');

describe('hostile clients get their code and write nothing (default limits)', () => {
  let ledger: TestSystem;
  let alice: string;
  before(async () => {
    ledger = await startTestSystem();
    alice = (await ledger.client.request(OpenAccountDocument, { owner: 'alice' })).openAccount.id;
  });
  after(async () => {
    await ledger.dispose();
  });

  /** Runs the attack, then checks the event store did not move. */
  const unchanged = async (attack: () => Promise<void>): Promise<void> => {
    const before = await ledger.storeHead();
    await attack();
    assert.equal(await ledger.storeHead(), before, 'nothing is written');
  };

  test('an oversized body is refused with 413, on GraphQL, REST and websockets', async () => {
    await unchanged(async () => {
      const big = 'x'.repeat(100 * 1024);
      const graphql = await post(ledger.url, { query: `mutation { openAccount(owner: "${big}") { id } }` });
      assert.equal(graphql.status, 413);
      assert.equal(codeOf(graphql), 'PAYLOAD_TOO_LARGE');
      const rest = await post(`${ledger.baseUrl}/accounts`, { owner: big });
      assert.equal(rest.status, 413);
      assert.equal(codeOf(rest), 'PAYLOAD_TOO_LARGE');

      // The socket is closed with its code, and nothing is printed: a client cannot fill the logs with it.
      const printed: unknown[][] = [];
      const print = console.error;
      console.error = (...args: unknown[]) => void printed.push(args);
      try {
        const socket = openRawSocket(ledger.url);
        await socket.acknowledged;
        socket.send({
          type: 'subscribe',
          id: '1',
          payload: { query: `mutation { openAccount(owner: "${big}") { id } }` },
        });
        assert.equal((await socket.closed).code, 1009, 'message too big');
      } finally {
        console.error = print;
      }
      assert.deepEqual(printed, []);
    });
  });

  test('10,000 aliases: over the body limit, the token limit, and the alias limit itself', async () => {
    await unchanged(async () => {
      const tenThousand = await post(ledger.url, {
        query: `mutation { ${aliased(10_000, () => 'openAccount(owner: "x") { id }')} }`,
      });
      assert.equal(tenThousand.status, 413);
      // As many as fit in the body: the parser stops at its token limit.
      const thousand = await post(ledger.url, { query: `{ ${aliased(1_000, () => '__typename')} }` });
      assert.equal(codeOf(thousand), 'GRAPHQL_PARSE_FAILED');
      assert.match(thousand.body.errors![0]!.message, /tokens/);
      // Small enough to parse, one alias too many: refused before anything runs.
      const sixteen = await post(ledger.url, {
        query: `mutation { ${aliased(16, () => 'openAccount(owner: "x") { id }')} }`,
      });
      assert.equal(codeOf(sixteen), 'GRAPHQL_VALIDATION_FAILED');
      assert.match(sixteen.body.errors![0]!.message, /too many aliases: at most 15/);
      // The same over a websocket.
      const socket = openRawSocket(ledger.url);
      await socket.acknowledged;
      socket.send({
        type: 'subscribe',
        id: 'aliases',
        payload: { query: `mutation { ${aliased(16, () => 'openAccount(owner: "x") { id }')} }` },
      });
      const [refused] = await socket.waitFor((message) => message.type === 'error');
      assert.equal(errorsOf(refused!)[0]!.extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
      await socket.close();
    });
    // Fifteen aliases are fine.
    const fifteen = await post(ledger.url, { query: `{ ${aliased(15, () => `account(id: "${alice}") { id }`)} }` });
    assert.equal(fifteen.body.errors, undefined);
  });

  test('too many fields in one operation, fragments counted where spread', async () => {
    await unchanged(async () => {
      // 26 fields in the fragment, spread 20 times: few tokens, 520 fields.
      const fields = Array.from({ length: 26 }, () => 'id').join(' ');
      const spreads = Array.from({ length: 20 }, (_, i) => `a${i}: account(id: "${alice}") { ...F }`).join(' ');
      const wide = await post(ledger.url, { query: `{ ${spreads} } fragment F on Account { ${fields} }` });
      assert.equal(codeOf(wide), 'GRAPHQL_VALIDATION_FAILED');
      assert.ok(wide.body.errors!.some((error) => /too many fields/.test(error.message)));
    });
  });

  test('a batch of 1,000 operations is refused whole: batching is off', async () => {
    await unchanged(async () => {
      const batch = Array.from({ length: 1_000 }, () => ({ query: 'mutation { openAccount(owner: "x") { id } }' }));
      const answer = await post(ledger.url, batch);
      assert.equal(answer.status, 400);
      assert.equal(codeOf(answer), 'BAD_REQUEST');
      assert.match(answer.body.errors![0]!.message, /batching/i);
    });
  });

  test('1,000 subscriptions on one socket: the first 100 run, the rest are refused', async () => {
    const socket = openRawSocket(ledger.url);
    try {
      await socket.acknowledged;
      await unchanged(async () => {
        for (let i = 0; i < 1_000; i++) {
          socket.send({
            type: 'subscribe',
            id: `s${i}`,
            payload: { query: `subscription { balanceChanged(accountIds: ["${alice}"]) { balance } }` },
          });
        }
        const refused = await socket.waitFor((message) => message.type === 'error', 900);
        assert.ok(refused.every((message) => errorsOf(message)[0]!.extensions?.code === 'TOO_MANY_SUBSCRIPTIONS'));
        assert.deepEqual(
          new Set(refused.map((message) => message.id)),
          new Set(Array.from({ length: 900 }, (_, i) => `s${i + 100}`)),
        );
      });
      // The socket lives on, and its 100 subscriptions each receive the next change.
      await ledger.client.request(DepositDocument, { accountId: alice, amount: '7' });
      const changes = await socket.waitFor((message) => message.type === 'next', 100);
      assert.deepEqual(
        new Set(changes.map((message) => message.id)),
        new Set(Array.from({ length: 100 }, (_, i) => `s${i}`)),
      );
    } finally {
      await socket.close();
    }
  });

  test('too many sockets for one subject: the one past the limit is closed with 4429', async () => {
    const sockets: RawSocket[] = [];
    // The earlier tests' sockets are closed; let the server see the last of those closes.
    await new Promise((resolve) => setTimeout(resolve, 200));
    try {
      for (let i = 0; i < 64; i++) sockets.push(openRawSocket(ledger.url));
      await Promise.all(sockets.map((socket) => socket.acknowledged));
      const extra = openRawSocket(ledger.url);
      await assert.rejects(extra.acknowledged);
      const { code, reason } = await extra.closed;
      assert.equal(code, 4429);
      assert.match(reason, /too many sockets/);
      // Closing one frees a place.
      await sockets.pop()!.close();
      const replacement = openRawSocket(ledger.url);
      sockets.push(replacement);
      await replacement.acknowledged;
    } finally {
      await Promise.all(sockets.map((socket) => socket.close()));
    }
  });

  test("a page of another site cannot act as the browser's user: its websocket, form post and image GET are refused", async () => {
    const handshake = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const socket = new WebSocket(ledger.url.replace(/^http/, 'ws'), 'graphql-transport-ws', { headers });
        socket.on('open', () => (socket.close(), resolve(101)));
        socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
        socket.on('error', reject);
      });
    const host = new URL(ledger.baseUrl).host;
    assert.equal(await handshake({ origin: 'https://evil.example' }), 403);
    assert.equal(await handshake({ origin: 'null' }), 403);
    assert.equal(await handshake({ origin: `http://${host}` }), 101, 'the console, same origin');
    assert.equal(
      await handshake({ origin: 'https://ledger.example', 'x-forwarded-host': 'ledger.example' }),
      101,
      'behind a proxy that says which host it was sent to',
    );
    assert.equal(await handshake({}), 101, 'a client that is not a browser');

    const rebuildStatus = async () =>
      JSON.stringify((await post(ledger.url, { query: '{ system { rebuild { phase startedAt } } }' })).body.data);
    const before = await rebuildStatus();
    await unchanged(async () => {
      const refusals = [
        fetch(`${ledger.baseUrl}/rebuild/balance`, {
          method: 'POST',
          headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
        }),
        fetch(`${ledger.baseUrl}/rebuild/balance`, { headers: { 'sec-fetch-site': 'cross-site' } }),
        fetch(`${ledger.baseUrl}/accounts`, {
          method: 'POST',
          headers: { origin: 'https://evil.example', 'content-type': 'application/json' },
          body: JSON.stringify({ owner: 'mallory' }),
        }),
      ];
      for (const response of await Promise.all(refusals)) {
        assert.equal(response.status, 403);
        assert.deepEqual(await response.json(), {
          error: { code: 'FORBIDDEN', message: 'a request sent by a page of another site is refused' },
        });
      }
      const head = await fetch(`${ledger.baseUrl}/rebuild/balance`, { method: 'HEAD' });
      assert.equal(head.status, 405);
      assert.equal(head.headers.get('allow'), 'GET, POST');
    });
    assert.equal(await rebuildStatus(), before, 'no rebuild ran');
    // A name made to resolve to this machine (DNS rebinding) makes the page same-origin with it: what
    // names another host than this machine is refused, on a gateway open on loopback.
    const rebound = `attacker.example:${new URL(ledger.baseUrl).port}`;
    assert.equal(await handshake({ host: rebound, origin: `http://${rebound}` }), 403);
    await unchanged(async () => {
      for (const [method, path] of [
        ['POST', '/accounts'],
        ['GET', '/rebuild/balance'],
        ['POST', '/graphql'],
      ] as const) {
        const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
          const request = httpRequest(
            `${ledger.baseUrl}${path}`,
            { method, headers: { host: rebound, origin: `http://${rebound}`, 'content-type': 'application/json' } },
            (response) => {
              let body = '';
              response.on('data', (chunk: Buffer) => (body += chunk.toString()));
              response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
            },
          );
          request.on('error', reject);
          request.end(
            method === 'GET'
              ? undefined
              : path === '/graphql'
                ? '{"query":"mutation { openAccount(owner: \\"mallory\\") { id } }"}'
                : '{"owner":"mallory"}',
          );
        });
        assert.equal(answer.status, 403, `${method} ${path}`);
        assert.match(answer.body, /localhost only/);
      }
    });
    assert.equal(await rebuildStatus(), before, 'no rebuild ran');
    assert.equal(
      await handshake({ host: `localhost:${new URL(ledger.baseUrl).port}` }),
      101,
      'localhost is this machine',
    );

    // Typed into the address bar, the seed's GET still rebuilds.
    const typed = await fetch(`${ledger.baseUrl}/rebuild/balance`, { headers: { 'sec-fetch-site': 'none' } });
    assert.equal(typed.status, 200);
    assert.notEqual(await rebuildStatus(), before);
  });

  test('trusted documents off: a hash the gateway does not know makes the typed client send the text', async () => {
    const unknownHash = { ...AccountDocument, __meta__: { hash: 'e'.repeat(64) } } as typeof AccountDocument;
    const answer = await ledger.client.request(unknownHash, { id: alice });
    assert.equal(answer.account?.id, alice);
  });

  test('introspection and the playground are on by default', async () => {
    const schema = await post(ledger.url, { query: '{ __schema { queryType { name } } }' });
    assert.deepEqual(schema.body.data, { __schema: { queryType: { name: 'Query' } } });
    assert.equal((await fetch(`${ledger.baseUrl}/playground/`)).status, 200);
  });
});

describe('trusted documents only', () => {
  let ledger: TestSystem;
  before(async () => {
    ledger = await startTestSystem({ env: { LEDGER_TRUSTED_DOCUMENTS: 'only' } });
  });
  after(async () => {
    await ledger.dispose();
  });

  test('the typed client works by hash, over HTTP and websockets', async () => {
    const id = (await ledger.client.request(OpenAccountDocument, { owner: 'trusted' })).openAccount.id;
    const live = ledger.client.subscribe(BalanceChangedDocument, { accountIds: [id] });
    await live.ready;
    await ledger.client.request(DepositDocument, { accountId: id, amount: '25' });
    const first = await live[Symbol.asyncIterator]().next();
    assert.equal(first.value?.balanceChanged.balance, '25');
    live.close();
    assert.equal((await ledger.client.request(AccountDocument, { id })).account?.balance, '25');
  });

  test('an operation outside the trusted documents is refused and writes nothing', async () => {
    const before = await ledger.storeHead();
    const freeText = await post(ledger.url, { query: 'mutation { openAccount(owner: "mallory") { id } }' });
    assert.equal(freeText.status, 400);
    assert.equal(codeOf(freeText), 'PERSISTED_QUERY_ID_REQUIRED');
    const unknown = await post(ledger.url, {
      extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } },
    });
    assert.equal(codeOf(unknown), 'PERSISTED_QUERY_NOT_IN_LIST');
    // A trusted hash runs its own document, whatever text comes along.
    const [accountHash] = Object.entries(persistedDocuments).find(([, text]) => text.includes('query Account('))!;
    const smuggled = await post(ledger.url, {
      query: 'mutation { openAccount(owner: "mallory") { id } }',
      variables: { id: randomUUID() },
      extensions: { persistedQuery: { version: 1, sha256Hash: accountHash } },
    });
    assert.deepEqual(smuggled.body, { data: { account: null } });
    const get = await fetch(`${ledger.url}?query=${encodeURIComponent('{ accounts(first: 1) { totalCount } }')}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    assert.equal(get.status, 400);

    const socket = openRawSocket(ledger.url);
    await socket.acknowledged;
    socket.send({
      type: 'subscribe',
      id: 'x',
      payload: { query: 'mutation { openAccount(owner: "mallory") { id } }' },
    });
    const [refused] = await socket.waitFor((message) => message.type === 'error');
    assert.equal(errorsOf(refused!)[0]!.extensions?.code, 'PERSISTED_QUERY_ID_REQUIRED');
    await socket.close();
    assert.equal(await ledger.storeHead(), before, 'nothing is written');
  });
});

describe('rate limit per subject, shared by two gateways through Redis', () => {
  const redisUrl = engineUrl('redis');
  let ledger: TestSystem;
  let second: RunningSystem;
  let secondUrl: string;
  let alice: string;
  const env = {
    LEDGER_RATE_LIMIT: '5',
    LEDGER_INTROSPECTION: 'off',
    LEDGER_PLAYGROUND: 'off',
    LEDGER_NAMESPACE: `limits-${randomUUID().slice(0, 8)}`,
    ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
  };
  /** The budget is per second from the first request: wait for a fresh one. */
  const freshSecond = () => new Promise((resolve) => setTimeout(resolve, 1_100));

  before(async () => {
    ledger = await startTestSystem({ env });
    // A second gateway of the same deployment: same store and read model, same Redis.
    second = await startSystem({
      config: loadConfig({
        ...env,
        PORT: '0',
        HOST: '127.0.0.1',
        LEDGER_DATA_DIR: ledger.dataDir,
        LEDGER_PARTITIONS: '8',
        WRITE_SERVICE_GRPC: `127.0.0.1:${ledger.system.grpcPort}`,
      }),
      logger: silentLogger(),
      roles: new Set(['gateway']),
    });
    secondUrl = `http://127.0.0.1:${second.gatewayPort}`;
    alice = (await ledger.client.request(OpenAccountDocument, { owner: 'alice' })).openAccount.id;
  });
  after(async () => {
    await second?.stop();
    await ledger?.dispose();
  });

  test('a burst past the limit: 429 with Retry-After on REST, RATE_LIMITED on GraphQL and websockets', async () => {
    await freshSecond();
    const rest = [];
    for (let i = 0; i < 6; i++) rest.push(await fetch(`${ledger.baseUrl}/balance/${alice}`));
    assert.deepEqual(
      rest.map((response) => response.status),
      [200, 200, 200, 200, 200, 429],
    );
    const refused = rest[5]!;
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 1, `Retry-After ${retryAfter}`);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'RATE_LIMITED');

    const graphql = await post(ledger.url, { query: '{ __typename }' });
    assert.equal(graphql.status, 429);
    assert.equal(codeOf(graphql), 'RATE_LIMITED');
    assert.ok(graphql.headers.get('retry-after'));

    await freshSecond();
    const socket = openRawSocket(ledger.url); // spends one
    await socket.acknowledged;
    for (let i = 0; i < 5; i++) {
      socket.send({ type: 'subscribe', id: `q${i}`, payload: { query: '{ __typename }' } });
    }
    const [limited] = await socket.waitFor((message) => message.type === 'error');
    assert.equal(limited!.id, 'q4');
    assert.equal(errorsOf(limited!)[0]!.extensions?.code, 'RATE_LIMITED');
    await socket.close();
  });

  test('refused writes write nothing', async () => {
    await freshSecond();
    const before = await ledger.storeHead();
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        post(ledger.url, { query: `mutation { openAccount(owner: "burst-${i}") { id } }` }),
      ),
    );
    const opened = answers.filter((answer) => answer.status === 200 && !answer.body.errors).length;
    const limited = answers.filter((answer) => codeOf(answer) === 'RATE_LIMITED').length;
    assert.deepEqual({ opened, limited }, { opened: 5, limited: 3 });
    // An account opening is one event.
    assert.equal((await ledger.storeHead()) - before, opened);
  });

  test('two gateways spend one budget per subject', { skip: redisUrl ? false : 'REDIS_URL not set' }, async () => {
    await freshSecond();
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${ledger.baseUrl}/balance/${alice}`)).status);
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${secondUrl}/balance/${alice}`)).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429]);
  });

  test('introspection and the playground can be turned off', async () => {
    await freshSecond();
    const schema = await post(ledger.url, { query: '{ __schema { queryType { name } } }' });
    assert.equal(codeOf(schema), 'GRAPHQL_VALIDATION_FAILED');
    assert.equal(schema.body.errors![0]!.message, 'introspection is off on this gateway (LEDGER_INTROSPECTION=off)');
    assert.equal((await fetch(`${ledger.baseUrl}/playground/`)).status, 404);
  });
});

describe('with tokens, each subject has budgets of its own', () => {
  let ledger: TestSystem;
  let alice: string;
  let bob: string;
  before(async () => {
    ledger = await startTestSystem({
      env: { ...JWT_ENV, LEDGER_RATE_LIMIT: '5', LEDGER_SOCKETS_PER_SUBJECT: '2' },
    });
    // Tellers may read every account, so only the limits can refuse these requests.
    [alice, bob] = await Promise.all([tokenFor('alice', ['teller']), tokenFor('bob', ['teller'])]);
  });
  after(async () => {
    await ledger.dispose();
  });

  test("one subject's burst leaves another's budget alone", async () => {
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const get = (token: string) =>
      fetch(`${ledger.baseUrl}/balance/${randomUUID()}`, { headers: { authorization: `Bearer ${token}` } });
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await get(alice)).status);
    assert.deepEqual(statuses, [404, 404, 404, 404, 404, 429]);
    assert.equal((await get(bob)).status, 404);
  });

  test("sockets are counted per subject: alice's third is closed, bob's first is not", async () => {
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const params = (token: string) => ({ authorization: `Bearer ${token}` });
    const sockets = [openRawSocket(ledger.url, params(alice)), openRawSocket(ledger.url, params(alice))];
    try {
      await Promise.all(sockets.map((socket) => socket.acknowledged));
      const third = openRawSocket(ledger.url, params(alice));
      assert.equal((await third.closed).code, 4429);
      const other = openRawSocket(ledger.url, params(bob));
      sockets.push(other);
      await other.acknowledged;
    } finally {
      await Promise.all(sockets.map((socket) => socket.close()));
    }
  });
});
