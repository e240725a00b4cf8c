import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineUrl } from '@ledger/platform/testing';
import {
  AccountDocument,
  BalanceChangedDocument,
  DepositDocument,
  OpenAccountDocument,
  StatementDocument,
  TransferDocument,
  createLedgerClient,
} from '@ledger/client';
import type { BalanceChangedSubscription, LedgerClient } from '@ledger/client';
import { freePorts, startLedgerProcess } from './testing/processes.js';
import type { LedgerProcess } from './testing/processes.js';

const NATS_URL = engineUrl('nats');
const REDIS_URL = engineUrl('redis');

type Change = BalanceChangedSubscription['balanceChanged'];

describe('a balance subscription survives the death of its gateway', { skip: !NATS_URL || !REDIS_URL }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ledger-resume-'));
  const processes: LedgerProcess[] = [];
  const clients: LedgerClient[] = [];
  after(async () => {
    for (const client of clients) await client.close();
    for (const proc of processes) proc.child.kill('SIGKILL');
    await Promise.all(processes.map((proc) => proc.exited));
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('SIGKILL of the gateway mid-stream: the client resumes through the other, every change exactly once, in order', async () => {
    const [grpcPort] = await freePorts(1);
    const env = {
      NATS_URL: NATS_URL!,
      REDIS_URL: REDIS_URL!,
      LEDGER_NAMESPACE: `r${randomUUID().slice(0, 8)}`,
      LEDGER_DATA_DIR: dataDir,
      LEDGER_PARTITIONS: '4',
      LEASE_TTL_MS: '2000',
      HOST: '127.0.0.1',
      PORT: '0',
      WRITE_SERVICE_GRPC: `127.0.0.1:${grpcPort}`,
    };
    const start = (name: string, role: string, extra: Record<string, string> = {}) => {
      const proc = startLedgerProcess(name, [role], { ...env, LEDGER_MEMBER_ID: name, ...extra });
      processes.push(proc);
      return proc;
    };
    const gatewayUrl = async (proc: LedgerProcess) => {
      const up = await proc.waitForLog((line) => String(line.msg).startsWith('GraphQL gateway'), 60_000);
      return `http://127.0.0.1:${Number(up.port)}/graphql`;
    };
    // One process with the write service, the projector and a gateway; one with a gateway alone.
    const backend = start('backend', 'all', { GRPC_PORT: String(grpcPort) });
    const stable = await gatewayUrl(backend);
    const doomed = start('doomed', 'gateway');
    const doomedUrl = await gatewayUrl(doomed);

    const writer = createLedgerClient({ url: stable });
    const watcher = createLedgerClient({ url: doomedUrl, failover: [stable], reconnectAttempts: 50 });
    clients.push(writer, watcher);

    const accounts = await Promise.all(
      ['r-a', 'r-b', 'r-c'].map(async (owner) => (await writer.request(OpenAccountDocument, { owner })).openAccount.id),
    );
    const received: Change[] = [];
    const subscription = watcher.subscribe(BalanceChangedDocument, { accountIds: accounts });
    await subscription.ready;
    const consumed = (async () => {
      for await (const event of subscription) received.push(event.balanceChanged);
    })();

    // Deposits and transfers keep flowing through the other gateway; the watched one dies half-way.
    const OPERATIONS = 60;
    let changes = 0;
    for (let i = 0; i < OPERATIONS; i++) {
      if (i === OPERATIONS / 3) {
        const before = received.length;
        doomed.child.kill('SIGKILL');
        await doomed.exited;
        assert.ok(before > 0, 'the subscription was live before the kill');
      }
      const [a, b] = [accounts[i % 3]!, accounts[(i + 1) % 3]!];
      if (i % 2 === 0 || i < 3) {
        const { deposit } = await writer.request(DepositDocument, { accountId: a, amount: String(100 + i) });
        assert.equal(deposit.status, 'SUCCEEDED');
        changes += 1;
      } else {
        const { transfer } = await writer.request(TransferDocument, { from: a, to: b, amount: String(i) });
        assert.equal(transfer.status, 'SUCCEEDED', transfer.failureReason ?? '');
        changes += 2;
      }
    }

    const deadline = Date.now() + 60_000;
    while (received.length < changes && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await new Promise((resolve) => setTimeout(resolve, 500)); // anything extra would show up now
    subscription.close();
    await consumed;

    const positions = received.map((change) => change.position);
    assert.equal(new Set(positions).size, positions.length, 'no change twice');
    assert.equal(received.length, changes, 'every change');
    for (const account of accounts) {
      const mine = received.filter((change) => change.accountId === account);
      const sequences = mine.map((change) => Number(change.position.split(':')[1]));
      assert.deepEqual(
        sequences,
        [...sequences].sort((x, y) => x - y),
        'in order',
      );
      const { account: final } = await writer.request(AccountDocument, { id: account });
      assert.equal(mine.at(-1)!.balance, final!.balance, 'the last change is the final balance');
      // The same changes as the account's history, one for one.
      const { statement } = await writer.request(StatementDocument, {
        accountId: account,
        from: '2000-01-01T00:00:00.000Z',
        to: '2100-01-01T00:00:00.000Z',
        first: 100,
      });
      assert.deepEqual(
        mine.map((change) => [change.position, change.delta, change.balance]),
        statement!.entries.edges.map(({ node }) => [node.position, node.amount, node.balanceAfter]),
      );
    }
  });
});
