import express from 'express';
import type { Request, Response, Router } from 'express';
import { getDistDirectory, isSandboxFrame, renderAltair, SANDBOX_FRAME_CSP } from 'altair-static';

export const PLAYGROUND_PATH = '/playground';

const EXAMPLE = `# Ledger. Open an account, then deposit with its id; amounts are cents.
mutation Open {
  openAccount(owner: "alice") { id owner balance status }
}

# mutation Deposit { deposit(accountId: "<id>", amount: "1000") { id status amount } }
# subscription Live { balanceChanged(accountIds: ["<id>"]) { balance delta position } }
`;

/** Host header as it may appear in the page; anything unusual falls back to localhost. */
function hostOf(request: Request): string {
  const host = request.headers.host ?? '';
  return /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host) ? host : 'localhost';
}

/** The Altair page, pointed at this gateway's /graphql over HTTP and graphql-ws. */
export function sendPlayground(request: Request, response: Response): void {
  const secure = request.secure || request.headers['x-forwarded-proto'] === 'https';
  const html = renderAltair({
    baseURL: `${PLAYGROUND_PATH}/`,
    endpointURL: '/graphql',
    subscriptionsEndpoint: `${secure ? 'wss' : 'ws'}://${hostOf(request)}/graphql`,
    initialSubscriptionRequestHandlerId: 'graphql-ws',
    initialName: 'Ledger',
    initialQuery: EXAMPLE,
    disableAccount: true,
    // No banners (Altair advertises its hosted AI assistant there) and no update checks: the playground
    // is a local tool that works offline.
    initialSettings: { 'banners.disable': true, 'alert.disableUpdateNotification': true },
  });
  response.type('html').send(html);
}

/** Altair served from the altair-static package: the playground works without network access. */
export function playgroundRouter(): Router {
  const router = express.Router();
  router.get(['/', '/index.html'], sendPlayground);
  router.use((request, response, next) => {
    if (isSandboxFrame(request.path)) response.setHeader('Content-Security-Policy', SANDBOX_FRAME_CSP);
    next();
  });
  router.use(express.static(getDistDirectory(), { index: false, maxAge: '1h' }));
  return router;
}

/** A browser asking /graphql for a page gets the playground; API clients get GraphQL. */
export const wantsPlayground = (request: Request): boolean =>
  request.method === 'GET' &&
  request.accepts(['application/graphql-response+json', 'application/json', 'text/html']) === 'text/html';
