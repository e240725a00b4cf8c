// Bundles the operator console (gateway/console) for the browser into gateway/dist/console: the page,
// its script (typed client, graphql-ws, uPlot) and styles, served by the gateway at /console offline.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'gateway/console');
const out = join(root, 'gateway/dist/console');

try {
  execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', source], { stdio: 'inherit' });
} catch {
  console.error('the console does not type-check (gateway/console)');
  process.exit(1);
}
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(source, 'src/main.ts')],
  outfile: join(out, 'console.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  legalComments: 'linked',
  // The typed client imports `ws` for Node; browsers have WebSocket built in.
  alias: { ws: join(source, 'src/browser-websocket.ts') },
  logLevel: 'warning',
});
copyFileSync(join(source, 'index.html'), join(out, 'index.html'));
