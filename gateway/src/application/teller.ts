import { UnavailableError } from '@ledger/platform';
import type { Logger } from '@ledger/platform';
import { commandInput } from '@ledger/schema';
import type { AccountView, CommandAudit, LedgerQueries, TransactionKind, TransactionView } from '@ledger/schema';
import type { RequestIdentity } from '../auth/principal.js';
import { requireOpenFor, requireOwnAccounts, requireStaff } from './authorization.js';
import type { AccountChanged, AccountOpened, Commands, TransactionAccepted } from '../ports/commands.js';
import type { ReadYourWrites } from './read-your-writes.js';

export type Consistency = 'EVENTUAL' | 'READ_YOUR_WRITES';

interface MoneyCommand {
  readonly amount: bigint;
  readonly idempotencyKey?: string | null;
  readonly consistency?: Consistency | null;
}

/**
 * The gateway's write side, shared by GraphQL and REST: checks input (schema's `commandInput`),
 * sends the command to the write service and, by default, answers only once the result is settled and visible to the next query.
 * Invalid input throws ValidationError before anything is sent.
 */
export interface Teller {
  openAccount(
    input: { owner: string; consistency?: Consistency | null },
    caller: RequestIdentity,
  ): Promise<AccountView>;
  /** Closes an account (its balance must be zero); answers once the read model shows it closed. */
  closeAccount(input: { accountId: string }, caller: RequestIdentity): Promise<AccountView>;
  changeOwner(input: { accountId: string; owner: string }, caller: RequestIdentity): Promise<AccountView>;
  deposit(input: MoneyCommand & { accountId: string }, caller: RequestIdentity): Promise<TransactionView>;
  withdraw(input: MoneyCommand & { accountId: string }, caller: RequestIdentity): Promise<TransactionView>;
  transfer(input: MoneyCommand & { from: string; to: string }, caller: RequestIdentity): Promise<TransactionView>;
}

/** What the write service records of the caller: its subject (none when authentication is off) and request. */
const auditOf = ({ principal, requestId }: RequestIdentity): CommandAudit =>
  principal.subject === null ? { requestId } : { actor: principal.subject, requestId };

export interface TellerOptions {
  readonly commands: Commands;
  readonly readModel: LedgerQueries;
  readonly readYourWrites: ReadYourWrites;
  readonly logger: Logger;
}

interface Request {
  readonly kind: TransactionKind;
  readonly from: string | null;
  readonly to: string | null;
  readonly amount: bigint;
  readonly initiatedBy: string | null;
}

/** What is known of a new account before the read model shows it. */
function openedAccount(accepted: AccountOpened, owner: string): AccountView {
  const now = new Date().toISOString();
  return {
    id: accepted.accountId,
    owner,
    balance: '0',
    status: 'OPEN',
    version: 1,
    updatedAt: now,
    position: accepted.position,
  };
}

/** What is known of a transaction right after the append: the request itself, PENDING. */
function requestedTransaction(accepted: TransactionAccepted, request: Request): TransactionView {
  const now = new Date().toISOString();
  return {
    id: accepted.transactionId,
    kind: request.kind,
    from: request.from,
    to: request.to,
    amount: request.amount.toString(),
    status: 'PENDING',
    failureReason: null,
    initiatedBy: request.initiatedBy,
    createdAt: now,
    updatedAt: now,
    accountPositions: [],
    position: accepted.position,
  };
}

export function createTeller(options: TellerOptions): Teller {
  const { commands, readModel, readYourWrites, logger } = options;

  async function settle(
    accepted: TransactionAccepted,
    request: Request,
    consistency: Consistency | null | undefined,
  ): Promise<TransactionView> {
    const requested = requestedTransaction(accepted, request);
    const accounts = [request.from, request.to].filter((id): id is string => id !== null);
    try {
      if (consistency === 'EVENTUAL') {
        // A repeated key names an earlier transaction: show it as it is now, if the read model has it.
        return (accepted.duplicate && (await readModel.getTransaction(accepted.transactionId))) || requested;
      }
      const settled = await readYourWrites.settledTransaction(accepted.transactionId, accounts);
      if (settled) return settled;
    } catch (error) {
      // The command is in the store; a read model failure only means we cannot confirm it yet.
      logger.warn({ err: error, transactionId: accepted.transactionId }, 'read model unavailable after a write');
    }
    const known = await readModel.getTransaction(accepted.transactionId).catch(() => null);
    return { ...(known ?? requested), status: 'PENDING', failureReason: null };
  }

  /** The changed account once visible; after the timeout, the last known one with the change applied. */
  async function changedAccount(
    accepted: AccountChanged,
    change: (view: AccountView) => AccountView,
  ): Promise<AccountView> {
    try {
      const visible = await readYourWrites.visibleAccount(accepted.accountId, accepted.position);
      if (visible) return visible;
    } catch (error) {
      logger.warn({ err: error, accountId: accepted.accountId }, 'read model unavailable after a write');
    }
    const known = await readModel.getAccount(accepted.accountId).catch(() => null);
    if (!known) throw new UnavailableError('the change is recorded but the account cannot be read yet');
    return change(known);
  }

  return {
    async closeAccount(input, caller) {
      const { accountId } = commandInput.closeAccount(input);
      await requireOwnAccounts(caller.principal, readModel, [accountId]);
      const accepted = await commands.closeAccount({ accountId }, auditOf(caller));
      return changedAccount(accepted, (view) => ({ ...view, status: 'CLOSED' }));
    },

    async changeOwner(input, caller) {
      const { accountId, owner } = commandInput.changeOwner(input);
      requireStaff(caller.principal, 'changing an owner');
      const accepted = await commands.changeOwner({ accountId, owner }, auditOf(caller));
      return changedAccount(accepted, (view) => ({ ...view, owner }));
    },

    async openAccount(input, caller) {
      const { owner } = commandInput.openAccount(input);
      requireOpenFor(caller.principal, owner);
      const accepted = await commands.openAccount({ owner }, auditOf(caller));
      const opened = openedAccount(accepted, owner);
      if (input.consistency === 'EVENTUAL') return opened;
      try {
        return (await readYourWrites.visibleAccount(accepted.accountId, accepted.position)) ?? opened;
      } catch (error) {
        logger.warn({ err: error, accountId: accepted.accountId }, 'read model unavailable after a write');
        return opened;
      }
    },

    async deposit(input, caller) {
      const { accountId: to, amount, idempotencyKey } = commandInput.deposit(input);
      requireStaff(caller.principal, 'a deposit (cash in)');
      const accepted = await commands.deposit({ accountId: to, amount, idempotencyKey }, auditOf(caller));
      return settle(
        accepted,
        { kind: 'DEPOSIT', from: null, to, amount, initiatedBy: caller.principal.subject },
        input.consistency,
      );
    },

    async withdraw(input, caller) {
      const { accountId: from, amount, idempotencyKey } = commandInput.withdraw(input);
      await requireOwnAccounts(caller.principal, readModel, [from]);
      const accepted = await commands.withdraw({ accountId: from, amount, idempotencyKey }, auditOf(caller));
      return settle(
        accepted,
        { kind: 'WITHDRAWAL', from, to: null, amount, initiatedBy: caller.principal.subject },
        input.consistency,
      );
    },

    async transfer(input, caller) {
      const { from, to, amount, idempotencyKey } = commandInput.transfer(input);
      // Money may go to any account; it leaves only the caller's own.
      await requireOwnAccounts(caller.principal, readModel, [from]);
      const accepted = await commands.transfer({ from, to, amount, idempotencyKey }, auditOf(caller));
      return settle(
        accepted,
        { kind: 'TRANSFER', from, to, amount, initiatedBy: caller.principal.subject },
        input.consistency,
      );
    },
  };
}
