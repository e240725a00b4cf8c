import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import type { CryptoKey, JWTPayload } from 'jose';
import { DepositDocument, OpenAccountDocument } from '@ledger/client';
import { startTestSystem } from './testing/harness.js';
import type { TestSystem } from './testing/harness.js';
import { TEST_SERVICE_SECRET } from './testing/tokens.js';

const ISSUER = 'https://id.ledger.test';

describe('identity from an OIDC key set (LEDGER_JWKS_URL, RS256/ES256)', () => {
  let keys: Server;
  let fetches = 0;
  let ledger: TestSystem;
  let rsa: { publicKey: CryptoKey; privateKey: CryptoKey };
  let ec: { publicKey: CryptoKey; privateKey: CryptoKey };

  before(async () => {
    rsa = await generateKeyPair('RS256', { extractable: true });
    ec = await generateKeyPair('ES256', { extractable: true });
    const set = {
      keys: [
        { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
        { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
      ],
    };
    // A real key set over HTTP, as an identity provider serves it.
    keys = createServer((request, response) => {
      if (request.url !== '/.well-known/jwks.json') return void response.writeHead(404).end();
      fetches += 1;
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(set));
    });
    await new Promise<void>((resolve) => keys.listen(0, '127.0.0.1', resolve));
    const { port } = keys.address() as AddressInfo;
    ledger = await startTestSystem({
      env: {
        LEDGER_AUTH: 'jwt',
        LEDGER_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`,
        LEDGER_JWT_ISSUER: ISSUER,
        LEDGER_JWT_AUDIENCE: 'ledger',
        LEDGER_SERVICE_SECRET: TEST_SERVICE_SECRET,
      },
    });
  });
  after(async () => {
    await ledger.dispose();
    await new Promise((resolve) => keys.close(resolve));
  });

  const claims = (subject: string, roles: string[]): JWTPayload => ({
    sub: subject,
    roles,
    iss: ISSUER,
    aud: 'ledger',
  });
  const sign = (payload: JWTPayload, alg: string, kid: string, key: CryptoKey | Uint8Array) =>
    new SignJWT(payload).setProtectedHeader({ alg, kid }).setIssuedAt().setExpirationTime('10m').sign(key);

  test('RS256 and ES256 tokens of the provider are accepted (happy path)', async () => {
    const rsToken = await sign(claims('tom', ['teller']), 'RS256', 'rsa-1', rsa.privateKey);
    const teller = ledger.clientWith(rsToken);
    const account = (await teller.request(OpenAccountDocument, { owner: 'carol' })).openAccount.id;
    const deposit = await teller.request(DepositDocument, { accountId: account, amount: '40' });
    assert.equal(deposit.deposit.status, 'SUCCEEDED');
    assert.equal(deposit.deposit.initiatedBy, 'tom');
    const esToken = await sign(claims('carol', ['customer']), 'ES256', 'ec-1', ec.privateKey);
    const carol = ledger.clientWith(esToken);
    assert.equal((await carol.request(OpenAccountDocument, { owner: 'carol' })).openAccount.owner, 'carol');
    assert.ok(fetches >= 1, 'the key set was fetched from the provider');
  });

  test('an HS256 token keyed with the public key (algorithm confusion) is refused, and so is a foreign issuer', async () => {
    const head = await ledger.storeHead();
    const pem = new TextEncoder().encode(await exportSPKI(rsa.publicKey));
    const jwkBytes = new TextEncoder().encode(JSON.stringify(await exportJWK(rsa.publicKey)));
    const other = await generateKeyPair('RS256');
    const forged = [
      await sign(claims('root', ['admin']), 'HS256', 'rsa-1', pem),
      await sign(claims('root', ['admin']), 'HS256', 'rsa-1', jwkBytes),
      await sign(claims('root', ['admin']), 'RS256', 'rsa-1', other.privateKey),
      await sign({ ...claims('root', ['admin']), iss: 'https://evil.test' }, 'RS256', 'rsa-1', rsa.privateKey),
    ];
    for (const token of forged) {
      const response = await fetch(ledger.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'mutation { openAccount(owner: "root") { id } }' }),
      });
      assert.equal(response.status, 401);
      const body = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };
      assert.equal(body.errors[0]!.extensions.code, 'UNAUTHENTICATED');
    }
    assert.equal(await ledger.storeHead(), head, 'nothing is written');
  });
});
