// Runs the compiled tests (`*.<tier>.test.js` under each workspace's dist/) with node's test runner.
// Usage: node scripts/test.mjs [unit|int|e2e ...] — no tier runs them all.
import { spawn } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tiers = process.argv.slice(2);
const workspaces = JSON.parse((await import('node:fs')).readFileSync(join(root, 'package.json'), 'utf8')).workspaces;

const found = [];
const walk = (dir) => {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) walk(path);
    else if (/\.(unit|int|e2e)\.test\.js$/.test(entry)) {
      const tier = entry.match(/\.(unit|int|e2e)\.test\.js$/)[1];
      if (tiers.length === 0 || tiers.includes(tier)) found.push(path);
    }
  }
};
for (const workspace of workspaces) {
  const dist = join(root, workspace, 'dist');
  if (existsSync(dist)) walk(dist);
}
if (found.length === 0) {
  console.error(`no test files found for ${tiers.join(', ') || 'any tier'}: run "npm run build" first`);
  process.exit(1);
}
found.sort();
const concurrency = Number(process.env.TEST_CONCURRENCY ?? Math.max(2, availableParallelism()));
const child = spawn(process.execPath, ['--test', `--test-concurrency=${concurrency}`, ...found], {
  stdio: 'inherit',
  cwd: root,
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
