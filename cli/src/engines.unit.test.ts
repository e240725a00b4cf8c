import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Resolve hook that names every MongoDB or Elasticsearch driver module a process asks for.
const hook = `export async function resolve(specifier, context, next) {
  if (specifier === 'mongodb' || specifier.startsWith('@elastic/')) console.log('driver:' + specifier);
  return next(specifier, context);
}`;

const driversLoadedBy = (entries: readonly string[]): string[] => {
  const script = [
    `import { register } from 'node:module';`,
    `register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`,
    ...entries.map((entry) => `await import(${JSON.stringify(entry)});`),
  ].join('\n');
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    cwd: fileURLToPath(new URL('..', import.meta.url)),
  });
  assert.equal(run.status, 0, run.stderr);
  return [...new Set(run.stdout.split('\n').filter((line) => line.startsWith('driver:')))].sort();
};

test('an embedded process loads neither the MongoDB nor the Elasticsearch driver', () => {
  const system = new URL('./system.js', import.meta.url).href;
  assert.deepEqual(driversLoadedBy([system]), []);
});

test('the adapters entries load their drivers', () => {
  const drivers = driversLoadedBy(['@ledger/write-service/mongo', '@ledger/projector/elastic']);
  assert.ok(drivers.includes('driver:mongodb'), drivers.join());
  assert.ok(drivers.includes('driver:@elastic/elasticsearch'), drivers.join());
});
