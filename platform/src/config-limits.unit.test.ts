import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from './config.js';

const refusal = (env: Record<string, string>): string => {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.message;
  }
  assert.fail(`expected ${JSON.stringify(env)} to be refused`);
};

test('the limits for hostile clients have defaults for the embedded start', () => {
  const config = loadConfig({});
  assert.equal(config.LEDGER_RATE_LIMIT, 10_000);
  assert.equal(config.LEDGER_TRUSTED_DOCUMENTS, 'off');
  assert.equal(config.LEDGER_SOCKETS_PER_SUBJECT, 64);
  assert.equal(config.LEDGER_SUBSCRIPTIONS_PER_SOCKET, 100);
  assert.equal(config.LEDGER_INTROSPECTION, 'on');
  assert.equal(config.LEDGER_PLAYGROUND, 'on');
});

test('the limits are read from the environment', () => {
  const config = loadConfig({
    LEDGER_RATE_LIMIT: '50',
    LEDGER_TRUSTED_DOCUMENTS: 'only',
    LEDGER_SOCKETS_PER_SUBJECT: '4',
    LEDGER_SUBSCRIPTIONS_PER_SOCKET: '8',
    LEDGER_INTROSPECTION: 'off',
    LEDGER_PLAYGROUND: 'off',
  });
  assert.deepEqual(
    [
      config.LEDGER_RATE_LIMIT,
      config.LEDGER_TRUSTED_DOCUMENTS,
      config.LEDGER_SOCKETS_PER_SUBJECT,
      config.LEDGER_SUBSCRIPTIONS_PER_SOCKET,
      config.LEDGER_INTROSPECTION,
      config.LEDGER_PLAYGROUND,
    ],
    [50, 'only', 4, 8, 'off', 'off'],
  );
});

test('a bad limit names its variable', () => {
  assert.match(refusal({ LEDGER_RATE_LIMIT: '0' }), /LEDGER_RATE_LIMIT="0"/);
  assert.match(refusal({ LEDGER_RATE_LIMIT: 'fast' }), /LEDGER_RATE_LIMIT="fast"/);
  assert.match(refusal({ LEDGER_TRUSTED_DOCUMENTS: 'yes' }), /LEDGER_TRUSTED_DOCUMENTS="yes"/);
  assert.match(refusal({ LEDGER_SOCKETS_PER_SUBJECT: '-1' }), /LEDGER_SOCKETS_PER_SUBJECT="-1"/);
  assert.match(refusal({ LEDGER_SUBSCRIPTIONS_PER_SOCKET: '1.5' }), /LEDGER_SUBSCRIPTIONS_PER_SOCKET="1.5"/);
  assert.match(refusal({ LEDGER_INTROSPECTION: 'true' }), /LEDGER_INTROSPECTION="true"/);
  assert.match(refusal({ LEDGER_PLAYGROUND: '1' }), /LEDGER_PLAYGROUND="1"/);
});
