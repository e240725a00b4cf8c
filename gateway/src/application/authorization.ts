import { ForbiddenError, NotFoundError } from '@ledger/platform';
import type { AccountView, LedgerQueries, TransactionView } from '@ledger/schema';
import { hasRole } from '../auth/principal.js';
import type { Principal } from '../auth/principal.js';

/**
 * Who may do what, decided in the gateway for every path (GraphQL, REST, subscriptions). Tellers and
 * admins act on every account; a customer acts on the accounts whose owner is their subject, and may
 * send money to any account; deposits are for tellers and admins; rebuilds and the operator view for
 * admins. With authentication off the caller is OPEN_ACCESS, which holds every role.
 * Refusals are ForbiddenError (FORBIDDEN, HTTP 403) and come before anything is written.
 */
export type Access =
  | { readonly kind: 'staff'; readonly admin: boolean }
  | { readonly kind: 'customer'; readonly subject: string }
  | { readonly kind: 'none' };

export function accessOf(principal: Principal): Access {
  const admin = hasRole(principal, 'admin');
  if (admin || hasRole(principal, 'teller')) return { kind: 'staff', admin };
  if (hasRole(principal, 'customer') && principal.subject !== null) {
    return { kind: 'customer', subject: principal.subject };
  }
  return { kind: 'none' };
}

const NO_ROLE = 'the token carries none of the roles customer, teller or admin';

/** The customer's subject, or null for staff; FORBIDDEN for a caller without a role. */
function customerOf(principal: Principal): string | null {
  const access = accessOf(principal);
  switch (access.kind) {
    case 'staff':
      return null;
    case 'customer':
      return access.subject;
    case 'none':
      throw new ForbiddenError(NO_ROLE);
    default: {
      const never: never = access;
      throw new Error(`unknown access ${JSON.stringify(never)}`);
    }
  }
}

/** Deposits and owner changes: tellers and admins. */
export function requireStaff(principal: Principal, action: string): void {
  if (accessOf(principal).kind !== 'staff') throw new ForbiddenError(`${action} is for tellers and admins`);
}

/** Rebuilds and the operator view: admins. */
export function requireAdmin(principal: Principal, action: string): void {
  const access = accessOf(principal);
  if (access.kind !== 'staff' || !access.admin) throw new ForbiddenError(`${action} is for admins`);
}

/** A customer opens accounts for themselves only. */
export function requireOpenFor(principal: Principal, owner: string): void {
  const customer = customerOf(principal);
  if (customer !== null && owner !== customer) {
    throw new ForbiddenError('a customer opens accounts for themselves: owner must be your subject');
  }
}

/** The owner filter of an account listing: a customer's are always their own. */
export function listedOwner(principal: Principal, requested: string | undefined): string | undefined {
  const customer = customerOf(principal);
  if (customer === null) return requested;
  if (requested !== undefined && requested !== customer) {
    throw new ForbiddenError('a customer lists their own accounts only');
  }
  return customer;
}

/** Reading an account the read model returned (or null, which stays null). */
export function requireOwnAccount(principal: Principal, view: AccountView | null): void {
  const customer = customerOf(principal);
  if (view && customer !== null && view.owner !== customer) {
    throw new ForbiddenError(`account ${view.id} is not yours`);
  }
}

/**
 * Acting on accounts (withdraw, transfer from, close, watch): each must be the customer's own.
 * Staff pass without a read; a customer's accounts are looked up (NOT_FOUND when unknown).
 */
export async function requireOwnAccounts(
  principal: Principal,
  queries: LedgerQueries,
  accountIds: readonly string[],
): Promise<void> {
  if (customerOf(principal) === null) return;
  const views = await Promise.all(accountIds.map((id) => queries.getAccount(id)));
  views.forEach((view, index) => {
    if (!view) throw new NotFoundError(`account ${accountIds[index]} not found`);
    requireOwnAccount(principal, view);
  });
}

/** A customer sees a transaction they asked for or one that moved money on one of their accounts. */
export async function requireOwnTransaction(
  principal: Principal,
  queries: LedgerQueries,
  view: TransactionView | null,
): Promise<void> {
  const customer = customerOf(principal);
  if (!view || customer === null || view.initiatedBy === customer) return;
  const accounts = await Promise.all(
    [view.from, view.to].filter((id): id is string => id !== null).map((id) => queries.getAccount(id)),
  );
  if (!accounts.some((account) => account?.owner === customer)) {
    throw new ForbiddenError(`transaction ${view.id} is not yours`);
  }
}

/**
 * A customer's subscription to a transaction the read model may not show yet (right after an
 * EVENTUAL mutation): wait up to `waitMs` for it to appear, then it must be theirs.
 */
export async function requireOwnTransactionId(
  principal: Principal,
  queries: LedgerQueries,
  transactionId: string,
  options: { waitMs?: number; pollMs?: number } = {},
): Promise<void> {
  if (customerOf(principal) === null) return;
  const deadline = Date.now() + (options.waitMs ?? 5_000);
  for (;;) {
    const view = await queries.getTransaction(transactionId);
    if (view) return requireOwnTransaction(principal, queries, view);
    if (Date.now() >= deadline) throw new NotFoundError(`transaction ${transactionId} not found`);
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 100));
  }
}
