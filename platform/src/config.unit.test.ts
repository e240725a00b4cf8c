import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CONFIG_VARIABLES, ConfigError, loadConfig, writeServiceAddress } from './config.js';

test("every configuration variable has a row in the README's table", () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const rows = readme.split('\n').filter((line) => line.startsWith('| `'));
  const missing = CONFIG_VARIABLES.filter((name) => !rows.some((row) => row.includes(`\`${name}\``)));
  assert.deepEqual(missing, []);
});

test('a bad value names its variable; the write service address has one default', () => {
  assert.throws(
    () => loadConfig({ GRPC_PORT: 'x' }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /GRPC_PORT="x"/);
      return true;
    },
  );
  assert.equal(writeServiceAddress(loadConfig({})), '127.0.0.1:50051');
  assert.equal(writeServiceAddress(loadConfig({ GRPC_PORT: '6000' })), '127.0.0.1:6000');
  assert.equal(writeServiceAddress(loadConfig({ WRITE_SERVICE_GRPC: 'ws:1' })), 'ws:1');
});

const SECRET = 'a-development-secret-of-32-chars!';

const problems = (env: Record<string, string>): string => {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.message;
  }
  assert.fail(`expected ${JSON.stringify(env)} to be refused`);
};

test('without authentication configured the gateway binds to loopback', () => {
  const config = loadConfig({});
  assert.equal(config.LEDGER_AUTH, 'none');
  assert.equal(config.HOST, '127.0.0.1');
  assert.equal(loadConfig({ HOST: '::1' }).HOST, '::1');
});

test('a non-loopback address without authentication is refused unless none is explicit', () => {
  assert.match(problems({ HOST: '0.0.0.0' }), /^.*HOST="0\.0\.0\.0": refusing .*LEDGER_AUTH=none/s);
  assert.equal(loadConfig({ HOST: '0.0.0.0', LEDGER_AUTH: 'none' }).HOST, '0.0.0.0');
});

test('jwt needs exactly one kind of key and listens on every interface by default', () => {
  assert.match(problems({ LEDGER_AUTH: 'jwt' }), /LEDGER_AUTH="jwt": jwt needs LEDGER_JWT_SECRET/);
  assert.match(
    problems({ LEDGER_AUTH: 'jwt', LEDGER_JWT_SECRET: SECRET, LEDGER_JWKS_URL: 'https://id.example/jwks' }),
    /LEDGER_JWKS_URL=.*not both/,
  );
  const config = loadConfig({ LEDGER_AUTH: 'jwt', LEDGER_JWT_SECRET: SECRET });
  assert.equal(config.HOST, '0.0.0.0');
  assert.equal(config.LEDGER_JWT_ROLES_CLAIM, 'roles');
});

test('a short secret is refused without printing it', () => {
  const message = problems({ LEDGER_AUTH: 'jwt', LEDGER_JWT_SECRET: 'hunter2' });
  assert.match(message, /LEDGER_JWT_SECRET=<hidden>: expected at least 32 characters/);
  assert.doesNotMatch(message, /hunter2/);
  assert.match(problems({ LEDGER_JWKS_URL: 'ftp://keys' }), /LEDGER_JWKS_URL="ftp:\/\/keys"/);
});
