import { setTimeout as sleep } from 'node:timers/promises';
import { AccountWithTransactionsDocument, AccountsDocument, TransactionDocument } from '@ledger/client';
import type { LedgerClient, TransactionFieldsFragment } from '@ledger/client';
import { createGrpcEventSource } from '@ledger/projector';
import type { LedgerEvent } from '@ledger/schema';
import { auditStore } from './store-audit.js';
import type { StoreAudit } from './store-audit.js';
import type { Acknowledged } from './workload.js';

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  /** What was measured, or what is wrong. */
  readonly detail: string;
}

export interface CheckOptions {
  /** One client per gateway. */
  readonly ledgers: readonly LedgerClient[];
  readonly gatewayUrls: readonly string[];
  readonly writeServices: string;
  readonly acknowledged: readonly Acknowledged[];
  /** How long the system may take to settle everything once the faults stop. */
  readonly settleTimeoutMs: number;
}

/** One account as the read model shows it: balance, event count and its transactions (id:status). */
interface AccountSnapshot {
  readonly balance: bigint;
  readonly version: number;
  readonly history: readonly string[];
}

const examples = (items: readonly string[]): string =>
  `${items.slice(0, 5).join('; ')}${items.length > 5 ? `; ... (${items.length} in all)` : ''}`;

/** Runs `work` over `items`, `width` at a time. */
async function inParallel<T, R>(items: readonly T[], width: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i]!);
      }
    }),
  );
  return results;
}

/** A query retried a few times: the checks run on a healed cluster, but a call may still meet a slow start. */
async function query<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= 5) throw error;
      await sleep(200 * attempt);
    }
  }
}

async function readAccount(ledger: LedgerClient, id: string): Promise<AccountSnapshot | null> {
  const history: string[] = [];
  let after: string | null | undefined;
  let first: { balance: string; version: number } | undefined;
  for (;;) {
    const { account } = await query(() => ledger.request(AccountWithTransactionsDocument, { id, first: 100, after }));
    if (!account) return null;
    first ??= account;
    history.push(...account.transactions.edges.map(({ node }) => `${node.id}:${node.status}`));
    if (!account.transactions.pageInfo.hasNextPage) break;
    after = account.transactions.pageInfo.endCursor;
  }
  return { balance: BigInt(first.balance), version: first.version, history };
}

async function allAccounts(ledger: LedgerClient): Promise<Map<string, bigint>> {
  const balances = new Map<string, bigint>();
  let after: string | null | undefined;
  for (;;) {
    const { accounts } = await query(() => ledger.request(AccountsDocument, { first: 100, after }));
    for (const { node } of accounts.edges) balances.set(node.id, BigInt(node.balance));
    if (!accounts.pageInfo.hasNextPage) return balances;
    after = accounts.pageInfo.endCursor;
  }
}

async function readStore(writeServices: string): Promise<LedgerEvent[]> {
  const source = createGrpcEventSource({ address: writeServices });
  try {
    const events: LedgerEvent[] = [];
    for await (const page of source.replay({})) events.push(...page);
    return events;
  } finally {
    await source.close();
  }
}

/**
 * The checks after a chaos run, on the healed cluster: every acknowledged operation settled once,
 * balances exact, money conserved, histories without duplicates, and a rebuild equal to the live
 * read model. Each returns what it measured, or what is wrong.
 */
export async function checkLedger(options: CheckOptions): Promise<Check[]> {
  const { ledgers, acknowledged } = options;
  const checks: Check[] = [];
  const deadline = Date.now() + options.settleTimeoutMs;

  // 1. Every acknowledged operation's transaction settles, as the operation asked.
  const views = new Map<string, TransactionFieldsFragment | null>();
  let unsettled = acknowledged.map((ack) => ack.transactionId);
  while (unsettled.length > 0) {
    await inParallel(unsettled, 8, async (id) => {
      const { transaction } = await query(() =>
        ledgers[views.size % ledgers.length]!.request(TransactionDocument, { id }),
      );
      views.set(id, transaction ?? null);
    });
    unsettled = unsettled.filter((id) => !views.get(id) || views.get(id)!.status === 'PENDING');
    if (unsettled.length === 0 || Date.now() > deadline) break;
    await sleep(500);
  }
  const mismatched = acknowledged
    .filter(({ operation: op, transactionId }) => {
      const view = views.get(transactionId);
      if (!view) return false;
      const kind = { deposit: 'DEPOSIT', withdraw: 'WITHDRAWAL', transfer: 'TRANSFER' }[op.kind];
      return (
        view.kind !== kind ||
        BigInt(view.amount) !== op.amount ||
        (view.from ?? null) !== op.from ||
        (view.to ?? null) !== op.to
      );
    })
    .map(({ operation, transactionId }) => `${operation.key} -> ${transactionId}`);
  const succeeded = [...views.values()].filter((view) => view?.status === 'SUCCEEDED').length;
  checks.push({
    name: 'every acknowledged operation settled',
    ok: unsettled.length === 0 && mismatched.length === 0,
    detail:
      unsettled.length > 0
        ? `${unsettled.length} not settled after ${options.settleTimeoutMs} ms: ${examples(unsettled.map((id) => `${id}:${views.get(id)?.status ?? 'missing'}`))}`
        : mismatched.length > 0
          ? `${mismatched.length} transactions differ from their operation: ${examples(mismatched)}`
          : `${acknowledged.length} transactions: ${succeeded} succeeded, ${acknowledged.length - succeeded} failed`,
  });

  // 2. The store's log: one transaction per key, one settlement each, money moved once per step.
  const audit: StoreAudit = auditStore(await readStore(options.writeServices), acknowledged);
  const statusDiffers = acknowledged
    .filter(
      ({ transactionId }) =>
        views.get(transactionId) && audit.status.get(transactionId) !== views.get(transactionId)!.status,
    )
    .map(
      ({ transactionId }) =>
        `${transactionId}: store ${audit.status.get(transactionId)}, read model ${views.get(transactionId)!.status}`,
    );
  checks.push({
    name: 'each settled exactly once (event log)',
    ok: audit.violations.length === 0 && statusDiffers.length === 0,
    detail:
      audit.violations.length + statusDiffers.length > 0
        ? [
            ...audit.violations,
            ...(statusDiffers.length ? [`read model status differs: ${examples(statusDiffers)}`] : []),
          ].join(' | ')
        : `${audit.events} events, ${audit.status.size} transactions, ${audit.accounts.size} accounts`,
  });

  // 3. Balances: what the settled operations add up to, in the store and in the read model (both gateways).
  const expected = new Map<string, bigint>();
  const add = (id: string | null, amount: bigint) => id !== null && expected.set(id, (expected.get(id) ?? 0n) + amount);
  let deposited = 0n;
  let withdrawn = 0n;
  for (const { operation: op, transactionId } of acknowledged) {
    if (audit.status.get(transactionId) !== 'SUCCEEDED') continue;
    add(op.from, -op.amount);
    add(op.to, op.amount);
    if (op.kind === 'deposit') deposited += op.amount;
    if (op.kind === 'withdraw') withdrawn += op.amount;
  }
  const accountIds = [...new Set([...expected.keys(), ...audit.accounts.keys()])].sort();
  const wrongBalances = async (): Promise<string[]> => {
    const wrong: string[] = [];
    for (const [gateway, ledger] of ledgers.entries()) {
      const snapshots = await inParallel(accountIds, 4, (id) => readAccount(ledger, id));
      snapshots.forEach((snapshot, i) => {
        const id = accountIds[i]!;
        const want = expected.get(id) ?? 0n;
        const stored = audit.accounts.get(id);
        if (stored?.balance !== want) wrong.push(`${id}: operations ${want}, store ${stored?.balance}`);
        if (!snapshot || snapshot.balance !== want || snapshot.version !== stored?.version) {
          wrong.push(
            `${id} via gateway ${gateway + 1}: operations ${want} (${stored?.version} events), read model ${snapshot?.balance} (${snapshot?.version} events)`,
          );
        }
      });
    }
    return wrong;
  };
  let wrong = await wrongBalances();
  while (wrong.length > 0 && Date.now() < deadline) {
    await sleep(500);
    wrong = await wrongBalances();
  }
  checks.push({
    name: 'balances exact',
    ok: wrong.length === 0,
    detail:
      wrong.length > 0 ? examples(wrong) : `${accountIds.length} accounts, store and read model through both gateways`,
  });

  // 4. Money is conserved: what came in less what went out is what the accounts hold, all of them.
  const held = [...(await allAccounts(ledgers[0]!)).values()].reduce((sum, balance) => sum + balance, 0n);
  checks.push({
    name: 'money conserved',
    ok: held === deposited - withdrawn,
    detail: `accounts hold ${held}; deposits ${deposited} - withdrawals ${withdrawn} = ${deposited - withdrawn}`,
  });

  // 5. Histories: each account lists each of its transactions once, and only its own.
  const live = new Map<string, AccountSnapshot | null>();
  const touching = new Map<string, Set<string>>();
  for (const { operation, transactionId } of acknowledged) {
    for (const id of [operation.from, operation.to]) {
      if (id !== null) touching.set(id, (touching.get(id) ?? new Set()).add(transactionId));
    }
  }
  const badHistories: string[] = [];
  await inParallel(accountIds, 4, async (id) => {
    const snapshot = await readAccount(ledgers[0]!, id);
    live.set(id, snapshot);
    const listed = (snapshot?.history ?? []).map((entry) => entry.split(':')[0]!);
    const unique = new Set(listed);
    const want = touching.get(id) ?? new Set<string>();
    if (unique.size !== listed.length) badHistories.push(`${id} lists ${listed.length - unique.size} duplicates`);
    const missing = [...want].filter((tx) => !unique.has(tx));
    const extra = [...unique].filter((tx) => !want.has(tx));
    if (missing.length) badHistories.push(`${id} misses ${missing.length} (${missing[0]})`);
    if (extra.length) badHistories.push(`${id} lists ${extra.length} not its own (${extra[0]})`);
  });
  checks.push({
    name: 'histories without duplicates',
    ok: badHistories.length === 0,
    detail:
      badHistories.length > 0
        ? examples(badHistories)
        : `${[...live.values()].reduce((sum, s) => sum + (s?.history.length ?? 0), 0)} entries over ${accountIds.length} accounts`,
  });

  // 6. A rebuild from the store gives the same read model as the live projection.
  checks.push(await checkRebuild(options, accountIds, live));
  return checks;
}

async function checkRebuild(
  options: CheckOptions,
  accountIds: readonly string[],
  live: ReadonlyMap<string, AccountSnapshot | null>,
): Promise<Check> {
  const name = 'rebuild equals live read model';
  const base = options.gatewayUrls[0]!.replace(/\/graphql$/, '');
  const response = await fetch(`${base}/rebuild/balance`, { signal: AbortSignal.timeout(300_000) });
  const body = await response.text();
  if (!response.ok)
    return { name, ok: false, detail: `GET /rebuild/balance answered ${response.status}: ${body.slice(0, 300)}` };
  const result = JSON.parse(body) as { events?: number; durationMs?: number };
  const other = options.ledgers.at(-1)!;
  const differs: string[] = [];
  await inParallel(accountIds, 4, async (id) => {
    const rebuilt = await readAccount(other, id);
    const before = live.get(id);
    if (JSON.stringify(rebuilt, bigints) !== JSON.stringify(before, bigints)) {
      differs.push(
        `${id}: live ${before?.balance} (${before?.version} events, ${before?.history.length} transactions), rebuilt ${rebuilt?.balance} (${rebuilt?.version} events, ${rebuilt?.history.length} transactions)`,
      );
    }
  });
  return {
    name,
    ok: differs.length === 0,
    detail:
      differs.length > 0
        ? examples(differs)
        : `${result.events} events replayed in ${result.durationMs} ms; ${accountIds.length} accounts equal`,
  };
}

const bigints = (_key: string, value: unknown): unknown => (typeof value === 'bigint' ? value.toString() : value);
