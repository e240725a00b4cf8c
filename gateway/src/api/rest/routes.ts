import express from 'express';
import type { Request, Router } from 'express';
import { NotFoundError, parseMoney, ValidationError } from '@ledger/platform';
import type { AccountView, LedgerQueries } from '@ledger/schema';
import type { Teller } from '../../application/teller.js';
import { isUuid, MAX_PAGE_SIZE } from '@ledger/schema';
import { identityOf } from '../../auth/principal.js';

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

/**
 * The seed's REST API on top of the same teller and read model as GraphQL. Writes wait for
 * read-your-writes, so a GET sent next sees them. Errors are mapped by the app's error handler.
 */
export function restRouter(options: RestOptions): Router {
  const { teller, readModel } = options;
  const router = express.Router();

  const account = async (id: string): Promise<AccountView> => {
    // A malformed id names no account: 404 like any unknown one.
    const view = isUuid(id) ? await readModel.getAccount(id.toLowerCase()) : null;
    if (!view) throw new NotFoundError(`account ${id} not found`);
    return view;
  };

  router.post('/accounts', async (request, response) => {
    const owner = optionalString(bodyOf(request).owner, 'owner') ?? '';
    const opened = await teller.openAccount({ owner }, identityOf(request));
    response.status(201).json({ id: opened.id });
  });

  router.get('/accounts/:id', async (request, response) => {
    response.json(accountJson(await account(request.params.id)));
  });

  router.post('/transactions', async (request, response) => {
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
    const view = await account(request.params.id);
    response.json({ id: view.id, balance: view.balance });
  });

  router.get('/balance', async (_request, response) => {
    const balances: Array<{ id: string; owner: string; balance: string }> = [];
    let after: { owner: string; id: string } | undefined;
    for (;;) {
      const page = await readModel.listAccounts({ first: MAX_PAGE_SIZE, after });
      for (const view of page.accounts) balances.push({ id: view.id, owner: view.owner, balance: view.balance });
      const last = page.accounts.at(-1);
      if (!page.hasNextPage || !last) break;
      after = { owner: last.owner, id: last.id };
    }
    response.json(balances);
  });

  router.get('/rebuild/balance', async (_request, response) => {
    if (!options.rebuild) throw new NotFoundError('rebuild is not available on this gateway');
    const result = await options.rebuild();
    response
      .type('json')
      .send(
        JSON.stringify(result ?? { ok: true }, (_key, value: unknown) =>
          typeof value === 'bigint' ? value.toString() : value,
        ),
      );
  });

  return router;
}
