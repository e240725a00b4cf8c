import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, UnsecuredJWT } from 'jose';
import { silentLogger } from '@ledger/platform';
import { createJwtAuthenticator, openAccess } from './tokens.js';
import { OPEN_ACCESS } from './principal.js';

const SECRET = 'unit-test-secret-of-at-least-32-characters';
const key = new TextEncoder().encode(SECRET);
const now = () => Math.floor(Date.now() / 1000);

const sign = (claims: Record<string, unknown>, options: { exp?: number; secret?: Uint8Array } = {}) =>
  new SignJWT({ roles: ['customer'], ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime(options.exp ?? now() + 60)
    .sign(options.secret ?? key);

const refusal = async (promise: Promise<unknown>): Promise<string> => {
  const error = await promise.then(
    () => assert.fail('expected the token to be refused'),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof Error);
  assert.equal((error as { code?: string }).code, 'UNAUTHENTICATED', error.message);
  return error.message;
};

describe('JWT authentication (HS256)', () => {
  const auth = createJwtAuthenticator({ secret: SECRET, audience: 'ledger', logger: silentLogger() });

  test('a valid token gives its subject, its known roles and its expiry', async () => {
    const exp = now() + 120;
    const token = await sign({ sub: 'alice', aud: 'ledger', roles: ['customer', 'pilot', 'teller'] }, { exp });
    assert.deepEqual(await auth.authenticate(`Bearer ${token}`), {
      subject: 'alice',
      roles: ['customer', 'teller'],
      expiresAt: exp * 1000,
    });
  });

  test('missing, malformed, expired, forged, unsigned and misaddressed tokens are UNAUTHENTICATED', async () => {
    assert.match(await refusal(auth.authenticate(undefined)), /bearer token is required/);
    assert.match(await refusal(auth.authenticate('Basic YWxpY2U6cHc=')), /Bearer <JWT>/);
    assert.match(await refusal(auth.authenticate('Bearer not.a.jwt')), /not valid/);
    const expired = await sign({ sub: 'alice', aud: 'ledger' }, { exp: now() - 60 });
    assert.match(await refusal(auth.authenticate(`Bearer ${expired}`)), /expired/);
    const forged = await sign({ sub: 'alice', aud: 'ledger' }, { secret: new TextEncoder().encode('x'.repeat(40)) });
    assert.match(await refusal(auth.authenticate(`Bearer ${forged}`)), /not valid/);
    const unsigned = new UnsecuredJWT({ sub: 'alice', aud: 'ledger', roles: ['admin'] })
      .setExpirationTime(now() + 60)
      .encode();
    assert.match(await refusal(auth.authenticate(`Bearer ${unsigned}`)), /not valid/);
    const elsewhere = await sign({ sub: 'alice', aud: 'another-api' });
    assert.match(await refusal(auth.authenticate(`Bearer ${elsewhere}`)), /aud/);
    const nobody = await sign({ aud: 'ledger' });
    await refusal(auth.authenticate(`Bearer ${nobody}`));
    const eternal = await new SignJWT({ sub: 'alice', aud: 'ledger' }).setProtectedHeader({ alg: 'HS256' }).sign(key);
    assert.match(await refusal(auth.authenticate(`Bearer ${eternal}`)), /exp/);
  });

  test('a token valid only from later is refused; a clock a few seconds off is tolerated', async () => {
    const later = await sign({ sub: 'alice', aud: 'ledger', nbf: now() + 60 });
    assert.match(await refusal(auth.authenticate(`Bearer ${later}`)), /nbf/);
    const justExpired = await sign({ sub: 'alice', aud: 'ledger' }, { exp: now() - 2 });
    assert.equal((await auth.authenticate(`Bearer ${justExpired}`)).subject, 'alice');
  });

  test('the roles claim can be renamed, with a dotted path into nested claims', async () => {
    const nested = createJwtAuthenticator({ secret: SECRET, rolesClaim: 'realm_access.roles', logger: silentLogger() });
    const token = await sign({ sub: 'tom', roles: undefined, realm_access: { roles: ['teller'] } });
    assert.deepEqual((await nested.authenticate(`Bearer ${token}`)).roles, ['teller']);
    const flat = await sign({ sub: 'tom', realm_access: { roles: 'admin' } });
    assert.deepEqual((await nested.authenticate(`Bearer ${flat}`)).roles, [], 'not an array: no roles');
  });
});

test('with authentication off every caller is OPEN_ACCESS', async () => {
  const auth = openAccess();
  assert.equal(auth.enabled, false);
  assert.equal(await auth.authenticate(undefined), OPEN_ACCESS);
  assert.equal(OPEN_ACCESS.subject, null);
});
