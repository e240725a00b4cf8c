import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import {
  AccountDocument,
  AccountsDocument,
  DepositDocument,
  OpenAccountDocument,
  TransferDocument,
} from '@ledger/client';
import { startTestSystem } from './testing/harness.js';
import type { TestSystem } from './testing/harness.js';

const allBalances = async (ledger: TestSystem): Promise<Map<string, string>> => {
  const balances = new Map<string, string>();
  let after: string | null | undefined;
  do {
    const page = await ledger.client.request(AccountsDocument, { first: 100, after });
    for (const edge of page.accounts.edges) balances.set(edge.node.id, edge.node.balance);
    after = page.accounts.pageInfo.hasNextPage ? page.accounts.pageInfo.endCursor : undefined;
  } while (after);
  return balances;
};

describe('durability', () => {
  test('a restart keeps every account, balance and event', async () => {
    let ledger = await startTestSystem();
    const dataDir = ledger.dataDir;
    try {
      const a = (await ledger.client.request(OpenAccountDocument, { owner: 'restart-a' })).openAccount.id;
      const b = (await ledger.client.request(OpenAccountDocument, { owner: 'restart-b' })).openAccount.id;
      await ledger.client.request(DepositDocument, { accountId: a, amount: '5000' });
      await ledger.client.request(TransferDocument, { from: a, to: b, amount: '1234' });
      // Leave some work in flight: the stop must drain, and the restart must finish it.
      const inflight = Array.from({ length: 10 }, () =>
        ledger.client.request(DepositDocument, { accountId: b, amount: '1', consistency: 'EVENTUAL' }),
      );
      await Promise.all(inflight);
      const head = await ledger.storeHead();
      await ledger.stop();

      ledger = await startTestSystem({ dataDir });
      assert.ok((await ledger.storeHead()) >= head);
      const balanceB = async () => (await ledger.client.request(AccountDocument, { id: b })).account?.balance;
      const deadline = Date.now() + 10_000;
      while ((await balanceB()) !== '1244' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.equal(await balanceB(), '1244');
      assert.equal((await ledger.client.request(AccountDocument, { id: a })).account?.balance, '3766');
      // And it keeps working.
      const more = await ledger.client.request(DepositDocument, { accountId: a, amount: '1' });
      assert.equal(more.deposit.status, 'SUCCEEDED');
    } finally {
      await ledger.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('a rebuild of a store past 10,000 events, while deposits flow, runs on threads and swaps in the same balances', async () => {
    const ledger = await startTestSystem();
    try {
      const ids = await Promise.all(
        Array.from({ length: 6 }, (_, i) => ledger.client.request(OpenAccountDocument, { owner: `rebuild-${i}` })),
      ).then((results) => results.map((r) => r.openAccount.id));
      for (const id of ids) await ledger.client.request(DepositDocument, { accountId: id, amount: '100' });

      // Eight clients deposit 7 into the accounts in turn, each counted per account once acknowledged.
      let flowing = true;
      let sent = 0;
      const deposited = new Map<string, number>();
      const flow = Promise.all(
        Array.from({ length: 8 }, async () => {
          while (flowing) {
            const id = ids[sent++ % ids.length]!;
            await ledger.client.request(DepositDocument, { accountId: id, amount: '7', consistency: 'EVENTUAL' });
            deposited.set(id, (deposited.get(id) ?? 0) + 1);
          }
        }),
      );
      // Queries during the rebuild always see complete accounts.
      const reads = (async () => {
        while (flowing) {
          const balances = await allBalances(ledger);
          for (const id of ids) assert.ok(BigInt(balances.get(id) ?? '0') >= 100n, 'never a half-built projection');
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      // Past the size from which the replay runs on threads (cli/src/system.ts).
      while ((await ledger.storeHead()) < 10_500) await new Promise((r) => setTimeout(r, 100));
      const response = await fetch(`${ledger.baseUrl}/rebuild/balance`);
      assert.equal(response.status, 200);
      const result = (await response.json()) as {
        generation: string;
        previousGeneration: string;
        events: number;
        lanes: number;
      };
      assert.notEqual(result.generation, result.previousGeneration);
      assert.ok(result.events >= 10_500, `${result.events} events replayed`);
      assert.equal(result.lanes, 2, 'the replay ran on two threads beside the event loop');
      await new Promise((r) => setTimeout(r, 300));
      flowing = false;
      await Promise.all([flow, reads]);

      // A final read-your-writes deposit per account, then every balance is exact.
      for (const id of ids) await ledger.client.request(DepositDocument, { accountId: id, amount: '1' });
      const balances = await allBalances(ledger);
      for (const id of ids) assert.equal(balances.get(id), String(101 + (deposited.get(id) ?? 0) * 7));
    } finally {
      await ledger.dispose();
    }
  });
});
