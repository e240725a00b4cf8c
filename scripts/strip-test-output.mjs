// Removes what only tests and benchmarks use from every workspace's dist/ (compiled tests, contract
// suites, the testing/ and bench/ folders, the testing and bench* entries), for a production image.
// Lint keeps production code from importing any of it. Usage: node scripts/strip-test-output.mjs [root]
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..');
const { workspaces } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const testOnly = /(\.test|\.contract|^testing|^bench(-[\w-]+)?)\.(js|d\.ts)(\.map)?$/;
const testOnlyFolders = new Set(['testing', 'bench']);

let removed = 0;
const strip = (dir) => {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      if (testOnlyFolders.has(entry)) {
        rmSync(path, { recursive: true });
        removed++;
      } else strip(path);
    } else if (testOnly.test(entry)) {
      rmSync(path);
      removed++;
    }
  }
};
for (const workspace of workspaces) {
  const dist = join(root, workspace, 'dist');
  try {
    strip(dist);
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
}
console.log(`removed ${removed} test-only files and folders from dist/`);
