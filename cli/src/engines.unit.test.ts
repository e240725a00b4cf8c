import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { clientsLoaded, ENGINE_CLIENTS, registerClientHook } from './testing/engine-clients.js';

const clientsLoadedBy = (entries: readonly string[]): string[] => {
  const script = [registerClientHook, ...entries.map((entry) => `await import(${JSON.stringify(entry)});`)].join('\n');
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    cwd: fileURLToPath(new URL('..', import.meta.url)),
  });
  assert.equal(run.status, 0, run.stderr);
  return clientsLoaded(run.stdout);
};

test('an embedded process loads none of the engines clients', () => {
  const system = new URL('./system.js', import.meta.url).href;
  assert.deepEqual(clientsLoadedBy([system]), []);
});

test('the adapters entries load their clients', () => {
  const clients = clientsLoadedBy([
    '@ledger/write-service/mongo',
    '@ledger/projector/elastic',
    '@ledger/platform/nats',
    '@ledger/platform/redis',
  ]);
  assert.deepEqual(clients, [...ENGINE_CLIENTS].sort());
  assert.deepEqual(clientsLoadedBy(['@ledger/gateway/redis']), ['ioredis']);
});
