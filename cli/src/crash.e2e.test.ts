import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountDocument, DepositDocument, OpenAccountDocument, TransferDocument } from '@ledger/client';
import { createLedgerClient } from '@ledger/client';
import type { LedgerClient } from '@ledger/client';
import { freePorts, startLedgerProcess } from './testing/processes.js';
import type { LedgerProcess } from './testing/processes.js';

describe('a crash of the whole process', () => {
  test('SIGKILL mid-stream loses no acknowledged write; retries with their keys have one effect', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ledger-crash-'));
    const [port, grpcPort] = await freePorts(2);
    const env = {
      PORT: String(port),
      GRPC_PORT: String(grpcPort),
      HOST: '127.0.0.1',
      LEDGER_DATA_DIR: dataDir,
      LEDGER_PARTITIONS: '8',
      LEASE_TTL_MS: '1000',
    };
    const boot = async (): Promise<{ proc: LedgerProcess; client: LedgerClient }> => {
      const proc = startLedgerProcess('ledger all', ['all'], env);
      await proc.waitForLog((line) => String(line.msg).startsWith('GraphQL gateway'));
      return { proc, client: createLedgerClient({ url: `http://127.0.0.1:${port}/graphql` }) };
    };
    let { proc, client } = await boot();
    try {
      const open = async (owner: string) => (await client.request(OpenAccountDocument, { owner })).openAccount.id;
      const a = await open('crash-a');
      const b = await open('crash-b');
      await client.request(DepositDocument, { accountId: a, amount: '100000', idempotencyKey: 'seed' });

      // Operations with keys; each is acknowledged or not when the process dies.
      const operations = Array.from({ length: 400 }, (_, i) => ({
        key: `crash-op-${i}`,
        kind: i % 2 === 0 ? ('deposit' as const) : ('transfer' as const),
        amount: String(1 + (i % 9)),
      }));
      const acknowledged = new Set<string>();
      const send = (c: LedgerClient, op: (typeof operations)[number]) =>
        op.kind === 'deposit'
          ? c.request(DepositDocument, {
              accountId: b,
              amount: op.amount,
              idempotencyKey: op.key,
              consistency: 'EVENTUAL',
            })
          : c.request(TransferDocument, {
              from: a,
              to: b,
              amount: op.amount,
              idempotencyKey: op.key,
              consistency: 'EVENTUAL',
            });
      let next = 0;
      const firstLife = Array.from({ length: 8 }, async () => {
        while (next < operations.length) {
          const op = operations[next++]!;
          try {
            await send(client, op);
            acknowledged.add(op.key);
          } catch {
            return; // the process is gone
          }
        }
      });
      while (acknowledged.size < 100) await new Promise((resolve) => setTimeout(resolve, 5));
      proc.child.kill('SIGKILL');
      await Promise.all(firstLife);
      await proc.exited;
      await client.close();
      assert.ok(acknowledged.size < operations.length, 'the crash came mid-stream');

      ({ proc, client } = await boot());
      // The client retries everything it did not see acknowledged, with the same keys; and, to
      // prove the keys hold, everything it did see acknowledged too.
      for (const op of operations) await send(client, op);

      let expectedA = 100_000n;
      let expectedB = 0n;
      let deposited = 100_000n;
      for (const op of operations) {
        if (op.kind === 'transfer') expectedA -= BigInt(op.amount);
        else deposited += BigInt(op.amount);
        expectedB += BigInt(op.amount);
      }
      const balance = async (id: string) => BigInt((await client.request(AccountDocument, { id })).account!.balance);
      const deadline = Date.now() + 20_000;
      while (((await balance(a)) !== expectedA || (await balance(b)) !== expectedB) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(await balance(a), expectedA);
      assert.equal(await balance(b), expectedB);
      assert.equal((await balance(a)) + (await balance(b)), deposited, 'money is conserved');
    } finally {
      await client.close();
      proc.child.kill('SIGKILL');
      await proc.exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
