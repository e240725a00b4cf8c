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
