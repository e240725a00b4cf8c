import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express from 'express';
import type { Router } from 'express';

export const CONSOLE_PATH = '/console';

/** Built by scripts/bundle-console.mjs next to the compiled gateway: page, script and styles, no CDN. */
const CONSOLE_DIRECTORY = fileURLToPath(new URL('../../console/', import.meta.url));

// Everything the page loads comes from this gateway; its data from /graphql (HTTP and graphql-ws).
const CONSOLE_CSP = [
  "default-src 'self'",
  "connect-src 'self' ws: wss:",
  "img-src 'self' data:",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The operator console at /console. */
export function consoleRouter(): Router {
  const router = express.Router();
  router.use((_request, response, next) => {
    response.setHeader('Content-Security-Policy', CONSOLE_CSP);
    next();
  });
  if (!existsSync(CONSOLE_DIRECTORY)) {
    router.use((_request, response) => {
      response.status(503).type('text').send('The console is not built: run `npm run build`.');
    });
    return router;
  }
  router.use(express.static(CONSOLE_DIRECTORY, { index: 'index.html', maxAge: '5m' }));
  return router;
}
