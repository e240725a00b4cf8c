import { setTimeout as sleep } from 'node:timers/promises';
import {
  DepositDocument,
  LedgerClientError,
  OpenAccountDocument,
  TransferDocument,
  WithdrawDocument,
  createLedgerClient,
} from '@ledger/client';
import type { Consistency, LedgerClient, TransactionFieldsFragment } from '@ledger/client';
import { createRandom } from './random.js';
import type { Random } from './random.js';

export type OperationKind = 'deposit' | 'withdraw' | 'transfer';

export interface Operation {
  readonly key: string;
  readonly kind: OperationKind;
  /** Debited account (withdraw, transfer). */
  readonly from: string | null;
  /** Credited account (deposit, transfer). */
  readonly to: string | null;
  readonly amount: bigint;
  readonly consistency: Consistency;
}

/** An operation the ledger answered: its transaction, and how many calls that took. */
export interface Acknowledged {
  readonly operation: Operation;
  readonly transactionId: string;
  readonly calls: number;
}

export interface WorkloadStats {
  calls: number;
  /** Calls that failed or timed out (each was sent again with the same key). */
  failedCalls: number;
  /** Operations that needed more than one call. */
  retriedOperations: number;
  /** READ_YOUR_WRITES answers, and those still PENDING when the mutation returned (the wait timed out). */
  readYourWritesAnswers: number;
  pendingAnswers: number;
  /** Acknowledged operations sent again with their key through the other gateway, to prove the key holds. */
  probes: number;
  readonly errors: Map<string, number>;
}

export interface WorkloadOptions {
  readonly gatewayUrls: readonly string[];
  readonly accounts: readonly string[];
  readonly clients: number;
  readonly seed: number;
  /** A call not answered within this time is abandoned and sent again. */
  readonly callTimeoutMs: number;
  readonly violation: (message: string) => void;
}

export interface Workload {
  readonly acknowledged: Acknowledged[];
  readonly stats: WorkloadStats;
  /** Stops new operations; the ones in flight are retried until answered or `finishMs` runs out. */
  stop(finishMs: number): Promise<void>;
}

/** Errors a client should answer by retrying with the same key; anything else is a refusal. */
const RETRYABLE = new Set(['SERVICE_UNAVAILABLE', 'INTERNAL_SERVER_ERROR', 'TIMEOUT', 'NETWORK']);

const errorKind = (error: unknown): string => {
  if (error instanceof LedgerClientError) return error.code ?? 'GRAPHQL_ERROR';
  const name = (error as Error).name;
  return name === 'TimeoutError' || name === 'AbortError' ? 'TIMEOUT' : 'NETWORK';
};

export function clientsFor(options: { gatewayUrls: readonly string[]; callTimeoutMs: number }): LedgerClient[] {
  return options.gatewayUrls.map((url) => createLedgerClient({ url, timeoutMs: options.callTimeoutMs }));
}

/** Opens the accounts before the faults start (openAccount takes no key: a retry could open a second one). */
export async function openAccounts(client: LedgerClient, count: number, label: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const { openAccount } = await client.request(OpenAccountDocument, { owner: `${label}-${i}` });
    ids.push(openAccount.id);
  }
  return ids;
}

/**
 * Clients that each send one operation at a time, every one with its own idempotency key, through
 * either gateway; a call that fails or times out is sent again with the same key, through a
 * gateway picked at random, until the ledger answers.
 */
export function startWorkload(options: WorkloadOptions): Workload {
  const ledgers = clientsFor(options);
  const acknowledged: Acknowledged[] = [];
  const stats: WorkloadStats = {
    calls: 0,
    failedCalls: 0,
    retriedOperations: 0,
    readYourWritesAnswers: 0,
    pendingAnswers: 0,
    probes: 0,
    errors: new Map(),
  };
  let running = true;
  let giveUpAt = Infinity;

  const call = async (ledger: LedgerClient, op: Operation): Promise<TransactionFieldsFragment> => {
    const common = { amount: op.amount.toString(), idempotencyKey: op.key, consistency: op.consistency };
    switch (op.kind) {
      case 'deposit':
        return (await ledger.request(DepositDocument, { ...common, accountId: op.to! })).deposit;
      case 'withdraw':
        return (await ledger.request(WithdrawDocument, { ...common, accountId: op.from! })).withdraw;
      case 'transfer':
        return (await ledger.request(TransferDocument, { ...common, from: op.from!, to: op.to! })).transfer;
      default: {
        const never: never = op.kind;
        throw new Error(`unknown operation ${String(never)}`);
      }
    }
  };

  /** Sends until answered; null when refused or out of time (both are violations). */
  const send = async (
    op: Operation,
    random: Random,
    firstGateway: number,
  ): Promise<{ transaction: TransactionFieldsFragment; calls: number } | null> => {
    for (let calls = 1; ; calls++) {
      const gateway = calls === 1 ? firstGateway : random.int(0, ledgers.length - 1);
      stats.calls++;
      try {
        return { transaction: await call(ledgers[gateway]!, op), calls };
      } catch (error) {
        stats.failedCalls++;
        const kind = errorKind(error);
        stats.errors.set(kind, (stats.errors.get(kind) ?? 0) + 1);
        if (!RETRYABLE.has(kind)) {
          options.violation(`${op.kind} ${op.key} refused with ${kind}: ${(error as Error).message}`);
          return null;
        }
        // A fault must reach the client as SERVICE_UNAVAILABLE (or a lost connection): a masked internal
        // error means some failure was not translated. The client still retries it.
        if (kind === 'INTERNAL_SERVER_ERROR') {
          options.violation(`${op.kind} ${op.key} answered a masked internal error: ${(error as Error).message}`);
        }
        if (Date.now() > giveUpAt) {
          options.violation(`${op.kind} ${op.key} never acknowledged (last error ${kind}) after ${calls} calls`);
          return null;
        }
        await sleep(random.int(50, 300));
      }
    }
  };

  const nextOperation = (random: Random, client: number, n: number): Operation => {
    const kind = random.weighted<OperationKind>({ deposit: 35, withdraw: 25, transfer: 40 });
    const from = random.pick(options.accounts);
    let to = random.pick(options.accounts);
    while (kind === 'transfer' && to === from) to = random.pick(options.accounts);
    return {
      key: `chaos-${options.seed}-c${client}-${n}`,
      kind,
      from: kind === 'deposit' ? null : from,
      to: kind === 'withdraw' ? null : to,
      // Up to about an account's funding: some withdrawals and transfers find too little and fail.
      amount: BigInt(kind === 'deposit' ? random.int(1, 2_000) : random.int(1, 4_000)),
      consistency: random.next() < 0.5 ? 'READ_YOUR_WRITES' : 'EVENTUAL',
    };
  };

  const client = async (index: number): Promise<void> => {
    // Its own sequence: the operations a client sends follow from the seed (their timing does not).
    const random = createRandom(options.seed ^ Math.imul(index + 1, 0x9e3779b9));
    for (let n = 0; running; n++) {
      const op = nextOperation(random, index, n);
      const home = (index + n) % ledgers.length;
      const answer = await send(op, random, home);
      if (!answer) continue;
      if (answer.calls > 1) stats.retriedOperations++;
      if (op.consistency === 'READ_YOUR_WRITES') {
        stats.readYourWritesAnswers++;
        if (answer.transaction.status === 'PENDING') stats.pendingAnswers++;
      }
      acknowledged.push({ operation: op, transactionId: answer.transaction.id, calls: answer.calls });
      if (random.next() < 0.1) {
        // The key holds: the same operation through the other gateway answers the same transaction.
        stats.probes++;
        const again = await send(op, random, (home + 1) % ledgers.length);
        if (again && again.transaction.id !== answer.transaction.id) {
          options.violation(
            `key ${op.key} answered two transactions: ${answer.transaction.id} and ${again.transaction.id}`,
          );
        }
      }
      await sleep(random.int(0, 30));
    }
  };

  const running$ = Promise.all(Array.from({ length: options.clients }, (_, index) => client(index)));
  return {
    acknowledged,
    stats,
    async stop(finishMs) {
      running = false;
      giveUpAt = Date.now() + finishMs;
      await running$;
      await Promise.all(ledgers.map((ledger) => ledger.close()));
    },
  };
}

/** Deposits that give every account money to move, keyed like any other operation. */
export async function fundAccounts(
  ledger: LedgerClient,
  accounts: readonly string[],
  label: string,
): Promise<Acknowledged[]> {
  const funded: Acknowledged[] = [];
  for (const [i, accountId] of accounts.entries()) {
    const operation: Operation = {
      key: `${label}-fund-${i}`,
      kind: 'deposit',
      from: null,
      to: accountId,
      amount: 10_000n,
      consistency: 'READ_YOUR_WRITES',
    };
    const { deposit } = await ledger.request(DepositDocument, {
      accountId,
      amount: operation.amount.toString(),
      idempotencyKey: operation.key,
    });
    funded.push({ operation, transactionId: deposit.id, calls: 1 });
  }
  return funded;
}
