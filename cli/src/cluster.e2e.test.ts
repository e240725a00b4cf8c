import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineUrl } from '@ledger/platform/testing';
import {
  AccountDocument,
  DepositDocument,
  OpenAccountDocument,
  TransactionDocument,
  TransferDocument,
} from '@ledger/client';
import { createLedgerClient } from '@ledger/client';
import type { LedgerClient } from '@ledger/client';
import { freePorts, startLedgerProcess } from './testing/processes.js';
import type { LedgerProcess, LogLine } from './testing/processes.js';

const NATS_URL = engineUrl('nats');
const REDIS_URL = engineUrl('redis');
const TTL = 2_000;
const PARTITIONS = 8;

/** Ownership intervals of one kind of partition worker, from every process's logs. */
interface Interval {
  readonly process: string;
  readonly worker: string;
  readonly partition: number;
  readonly start: number;
  end: number;
}

function ownership(processes: readonly LedgerProcess[], killedAt: ReadonlyMap<string, number>): Interval[] {
  const intervals: Interval[] = [];
  for (const proc of processes) {
    const open = new Map<string, Interval>();
    for (const line of proc.logs()) {
      if (line.msg !== 'partition worker acquired' && line.msg !== 'partition worker stopped') continue;
      const key = `${String(line.worker)}/${String(line.partition)}`;
      if (line.msg === 'partition worker acquired') {
        const interval = {
          process: proc.name,
          worker: String(line.worker),
          partition: Number(line.partition),
          start: line.time,
          end: Infinity,
        };
        open.set(key, interval);
        intervals.push(interval);
      } else {
        const interval = open.get(key);
        if (interval) interval.end = line.time;
        open.delete(key);
      }
    }
    const killed = killedAt.get(proc.name);
    if (killed !== undefined) for (const interval of open.values()) interval.end = killed;
  }
  return intervals;
}

describe('a cluster of processes on NATS and Redis', { skip: !NATS_URL || !REDIS_URL }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ledger-cluster-'));
  const processes: LedgerProcess[] = [];
  let client: LedgerClient | undefined;
  after(async () => {
    // What the processes said about trouble, to explain a failure.
    for (const proc of processes) {
      const trouble = proc.logs().filter((line) => Number(line.level) >= 40);
      if (trouble.length || proc.stderr()) {
        console.log(
          `--- ${proc.name}: ${trouble.length} warnings/errors\n${trouble
            .slice(-5)
            .map((line) => JSON.stringify(line))
            .join('\n')}\n${proc.stderr().slice(-1000)}`,
        );
      }
    }
    await client?.close();
    for (const proc of processes) proc.child.kill('SIGKILL');
    await Promise.all(processes.map((proc) => proc.exited));
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('2 write-services and 3 projectors survive SIGKILLs: partitions move, never run twice, every cent is kept', async (t) => {
    const grpcPorts = await freePorts(3);
    const env = {
      NATS_URL: NATS_URL!,
      REDIS_URL: REDIS_URL!,
      LEDGER_NAMESPACE: `t${randomUUID().slice(0, 8)}`,
      LEDGER_DATA_DIR: dataDir,
      LEDGER_PARTITIONS: String(PARTITIONS),
      LEASE_TTL_MS: String(TTL),
      LEDGER_RYW_TIMEOUT_MS: '3000',
      HOST: '127.0.0.1',
      HTTP_PORT: '0',
      // Each partition worker's start and stop is a debug line; ownership is checked from them.
      LOG_LEVEL: 'debug',
      WRITE_SERVICE_GRPC: grpcPorts.map((port) => `127.0.0.1:${port}`).join(','),
    };
    const start = (name: string, role: string, extra: Record<string, string> = {}): LedgerProcess => {
      const proc = startLedgerProcess(name, [role], { ...env, LEDGER_MEMBER_ID: name, ...extra });
      processes.push(proc);
      return proc;
    };
    const listening = (line: LogLine) => line.msg === 'write-service gRPC listening';
    const ws1 = start('ws-1', 'write-service', { GRPC_PORT: String(grpcPorts[0]) });
    const ws2 = start('ws-2', 'write-service', { GRPC_PORT: String(grpcPorts[1]) });
    await Promise.all([ws1.waitForLog(listening), ws2.waitForLog(listening)]);
    const projectors = ['proj-1', 'proj-2', 'proj-3'].map((name) => start(name, 'projector'));
    const gateway = start('gateway', 'gateway', { PORT: '0' });
    const up = await gateway.waitForLog((line) => String(line.msg).startsWith('GraphQL gateway'));
    client = createLedgerClient({ url: `http://127.0.0.1:${Number(up.port)}/graphql` });
    const ledger = client;

    /** A command retried with its idempotency key until the cluster answers: one effect whatever happens. */
    let retries = 0;
    const retried = async <T>(run: () => Promise<T>): Promise<T> => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await run();
        } catch (error) {
          retries++;
          const code = (error as { code?: string }).code;
          if (code === 'BAD_USER_INPUT' || code === 'NOT_FOUND' || attempt > 200) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    };

    const accounts = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        retried(() => ledger.request(OpenAccountDocument, { owner: `cluster-${i}` })).then((r) => r.openAccount.id),
      ),
    );
    const expected = new Map(accounts.map((id) => [id, 0n]));
    const transactions: string[] = [];
    let deposited = 0n;
    for (const id of accounts) {
      const result = await retried(() =>
        ledger.request(DepositDocument, { accountId: id, amount: '100000', idempotencyKey: `seed-${id}` }),
      );
      transactions.push(result.deposit.id);
      expected.set(id, 100_000n);
      deposited += 100_000n;
    }

    // Steady deposits and transfers from 4 clients, each with its own idempotency key.
    let running = true;
    let operations = 0;
    const load = Array.from({ length: 4 }, async (_, worker) => {
      for (let i = 0; running; i++) {
        const n = worker * 100_000 + i;
        const key = `op-${n}`;
        if (n % 3 === 0) {
          const to = accounts[n % accounts.length]!;
          const amount = BigInt(1 + (n % 50));
          const result = await retried(() =>
            ledger.request(DepositDocument, { accountId: to, amount: String(amount), idempotencyKey: key }),
          );
          transactions.push(result.deposit.id);
          expected.set(to, expected.get(to)! + amount);
          deposited += amount;
        } else {
          const from = accounts[n % accounts.length]!;
          const to = accounts[(n + 1 + (worker % 5)) % accounts.length]!;
          const amount = BigInt(1 + (n % 40));
          const result = await retried(() =>
            ledger.request(TransferDocument, { from, to, amount: String(amount), idempotencyKey: key }),
          );
          transactions.push(result.transfer.id);
          expected.set(from, expected.get(from)! - amount);
          expected.set(to, expected.get(to)! + amount);
        }
        operations++;
      }
    });

    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const killedAt = new Map<string, number>();
    for (const victim of [projectors[0]!, ws1]) {
      killedAt.set(victim.name, Date.now());
      victim.child.kill('SIGKILL');
    }
    const killTime = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const ws3 = start('ws-3', 'write-service', { GRPC_PORT: String(grpcPorts[2]) });
    start('proj-4', 'projector');
    await ws3.waitForLog(listening);
    await new Promise((resolve) => setTimeout(resolve, 2.5 * TTL));
    running = false;
    await Promise.all(load);
    assert.ok(operations > 20, `only ${operations} operations ran`);

    // Every transaction settles, and succeeds (no account can run short in this workload).
    const deadline = Date.now() + 30_000;
    for (const id of transactions) {
      for (;;) {
        const { transaction } = await ledger.request(TransactionDocument, { id });
        if (transaction && transaction.status !== 'PENDING') {
          assert.equal(transaction.status, 'SUCCEEDED', `${id}: ${transaction.failureReason}`);
          break;
        }
        assert.ok(Date.now() < deadline, `transaction ${id} still pending`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    // Every balance ends exact and money is conserved.
    const balances = async () =>
      Promise.all(accounts.map(async (id) => BigInt((await ledger.request(AccountDocument, { id })).account!.balance)));
    let actual = await balances();
    while (actual.some((balance, i) => balance !== expected.get(accounts[i]!)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      actual = await balances();
    }
    assert.deepEqual(
      actual,
      accounts.map((id) => expected.get(id)),
    );
    assert.equal(
      actual.reduce((sum, balance) => sum + balance, 0n),
      deposited,
    );

    // Stop the survivors gracefully so their logs close every interval they opened.
    const survivors = processes.filter((proc) => !killedAt.has(proc.name));
    for (const proc of survivors) proc.child.kill('SIGTERM');
    const codes = await Promise.all(survivors.map((proc) => proc.exited));
    assert.deepEqual(
      codes,
      survivors.map(() => 0),
    );

    const intervals = ownership(processes, killedAt);
    const takeovers: number[] = [];
    for (const worker of ['saga', 'forwarder', 'projector']) {
      for (let partition = 0; partition < PARTITIONS; partition++) {
        const runs = intervals
          .filter((run) => run.worker === worker && run.partition === partition)
          .sort((a, b) => a.start - b.start);
        assert.ok(runs.length > 0, `${worker}/${partition} never ran`);
        for (let i = 1; i < runs.length; i++) {
          const [before, next] = [runs[i - 1]!, runs[i]!];
          assert.ok(
            next.start >= before.end,
            `${worker}/${partition} ran on ${before.process} until ${before.end} and on ${next.process} from ${next.start}`,
          );
        }
        // Partitions of a killed replica were taken over within about one lease TTL after their lease ran out.
        const orphaned = runs.find((run) => killedAt.has(run.process) && run.end === killedAt.get(run.process));
        if (orphaned) {
          const successor = runs.find((run) => run.start >= orphaned.end);
          assert.ok(successor, `${worker}/${partition} was never taken over`);
          const gap = successor.start - killTime;
          takeovers.push(gap);
          assert.ok(gap < 2 * TTL + 1_500, `${worker}/${partition} taken over after ${gap} ms`);
        }
      }
    }
    t.diagnostic(
      `${operations} operations, ${retries} retried calls, ${takeovers.length} partitions taken over ` +
        `${Math.min(...takeovers)}..${Math.max(...takeovers)} ms after the kill (lease TTL ${TTL} ms)`,
    );
    assert.ok(takeovers.length > 0, 'the killed replicas owned partitions');
    // The joining replicas got their share.
    assert.ok(intervals.some((run) => run.process === 'proj-4' && run.worker === 'projector'));
    assert.ok(intervals.some((run) => run.process === 'ws-3' && run.worker === 'saga'));
  });
});
