import express from 'express';
import type { Request, RequestHandler, Response, Router } from 'express';
import { ForbiddenError, NotFoundError, parseMoney, ValidationError } from '@ledger/platform';
import type { AccountView, LedgerQueries } from '@ledger/schema';
import type { Teller } from '../../application/teller.js';
import { isUuid, MAX_PAGE_SIZE } from '@ledger/schema';
import { identityOf, principalOf } from '../../auth/principal.js';
import { accessOf, listedOwner, requireAdmin, requireOwnAccount } from '../../application/authorization.js';
import { isCrossSite } from '../http/same-site.js';

export interface RestOptions {
  readonly teller: Teller;
  readonly readModel: LedgerQueries;
  readonly rebuild?: () => Promise<unknown>;
}

const accountJson = (view: AccountView) => ({
  id: view.id,
  owner: view.owner,
  balance: view.balance,
  status: view.status,
  version: view.version,
  updatedAt: view.updatedAt,
});

const bodyOf = (request: Request): Record<string, unknown> => {
  const body: unknown = request.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError('the body must be a JSON object');
  }
  return body as Record<string, unknown>;
};

const optionalString = (value: unknown, field: string): string | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ValidationError(`${field} must be a string`);
  return value;
};

/** What changes state is refused when a page of another site sends it (cross-site request forgery). */
const sameSite: RequestHandler = (request, _response, next) =>
  next(isCrossSite(request) ? new ForbiddenError('a request sent by a page of another site is refused') : undefined);

/**
 * The seed's REST API on top of the same teller and read model as GraphQL. Writes wait for
 * read-your-writes, so a GET sent next sees them. Errors are mapped by the app's error handler.
 */
export function restRouter(options: RestOptions): Router {
  const { teller, readModel } = options;
  const router = express.Router();

  const account = async (request: Request): Promise<AccountView> => {
    const id = String(request.params.id);
    // A malformed id names no account: 404 like any unknown one.
    const view = isUuid(id) ? await readModel.getAccount(id.toLowerCase()) : null;
    if (!view) throw new NotFoundError(`account ${id} not found`);
    requireOwnAccount(principalOf(request), view);
    return view;
  };

  router.post('/accounts', sameSite, async (request, response) => {
    const caller = identityOf(request);
    const access = accessOf(caller.principal);
    // A customer's account is their own: the owner defaults to their subject.
    const owner = optionalString(bodyOf(request).owner, 'owner') ?? (access.kind === 'customer' ? access.subject : '');
    const opened = await teller.openAccount({ owner }, caller);
    response.status(201).json({ id: opened.id });
  });

  router.get('/accounts/:id', async (request, response) => {
    response.json(accountJson(await account(request)));
  });

  router.post('/transactions', sameSite, async (request, response) => {
    const body = bodyOf(request);
    const from = optionalString(body.from, 'from');
    const to = optionalString(body.to, 'to');
    const amount = parseMoney(body.money, 'money');
    const idempotencyKey = request.get('idempotency-key');
    const caller = identityOf(request);
    const transaction = await (from !== undefined && to !== undefined
      ? teller.transfer({ from, to, amount, idempotencyKey }, caller)
      : to !== undefined
        ? teller.deposit({ accountId: to, amount, idempotencyKey }, caller)
        : from !== undefined
          ? teller.withdraw({ accountId: from, amount, idempotencyKey }, caller)
          : Promise.reject(new ValidationError('from, to or both are required')));
    response.status(201).json({ id: transaction.id });
  });

  router.get('/balance/:id', async (request, response) => {
    const view = await account(request);
    response.json({ id: view.id, balance: view.balance });
  });

  router.get('/balance', async (request, response) => {
    const owner = listedOwner(principalOf(request), undefined);
    const balances: Array<{ id: string; owner: string; balance: string }> = [];
    let after: { owner: string; id: string } | undefined;
    for (;;) {
      const page = await readModel.listAccounts({ owner, first: MAX_PAGE_SIZE, after });
      for (const view of page.accounts) balances.push({ id: view.id, owner: view.owner, balance: view.balance });
      const last = page.accounts.at(-1);
      if (!page.hasNextPage || !last) break;
      after = { owner: last.owner, id: last.id };
    }
    response.json(balances);
  });

  const rebuild = async (request: Request, response: Response): Promise<void> => {
    requireAdmin(principalOf(request), 'a rebuild');
    if (!options.rebuild) throw new NotFoundError('rebuild is not available on this gateway');
    const result = await options.rebuild();
    response
      .type('json')
      .send(
        JSON.stringify(result ?? { ok: true }, (_key, value: unknown) =>
          typeof value === 'bigint' ? value.toString() : value,
        ),
      );
  };
  // GET is the seed's; POST is what a request that changes state should be. A HEAD (a link checker,
  // a monitor) would run the GET's handler: it is refused instead.
  router.head('/rebuild/balance', (_request, response) => {
    response.status(405).set('allow', 'GET, POST').end();
  });
  router.get('/rebuild/balance', sameSite, rebuild);
  router.post('/rebuild/balance', sameSite, rebuild);

  return router;
}
