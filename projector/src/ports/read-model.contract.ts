import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AccountView, TransactionView } from '@ledger/schema';
import { defineBalanceHistoryContract } from './history.contract.js';
import type { ReadModel } from './read-model.js';

const PARTITIONS = 4;

function account(id: string, overrides: Partial<AccountView> = {}): AccountView {
  return {
    id,
    owner: 'alice',
    balance: '0',
    status: 'OPEN',
    version: 1,
    updatedAt: '2024-01-01T00:00:00.000Z',
    position: '0:1',
    ...overrides,
  };
}

function transaction(id: string, overrides: Partial<TransactionView> = {}): TransactionView {
  return {
    id,
    kind: 'DEPOSIT',
    from: null,
    to: 'a',
    amount: '1',
    status: 'PENDING',
    failureReason: null,
    initiatedBy: 'teller-1',
    createdAt: '2024-01-01T00:00:00.000Z',
    updatedAt: '2024-01-01T00:00:00.000Z',
    accountPositions: [],
    position: '0:1',
    ...overrides,
  };
}

/**
 * The behaviour every ReadModel adapter must show. `make` returns a fresh, empty read model with
 * `partitions` partitions; the suite closes each one it makes.
 */
export function defineReadModelContract(
  name: string,
  make: (options: { partitions: number }) => Promise<ReadModel>,
): void {
  describe(`ReadModel contract: ${name}`, () => {
    const opened: ReadModel[] = [];
    const fresh = async (): Promise<ReadModel> => {
      const readModel = await make({ partitions: PARTITIONS });
      opened.push(readModel);
      return readModel;
    };
    after(async () => {
      await Promise.all(opened.map((readModel) => readModel.close()));
    });

    const commitTo = (rm: ReadModel, generation: string, batch: Partial<Parameters<ReadModel['commit']>[1]>) =>
      rm.commit(
        generation,
        { partition: 0, accounts: [], transactions: [], checkpoint: 0, ...batch },
        { requireActive: false },
      );

    test('starts with an active, empty generation', async () => {
      const rm = await fresh();
      const generation = await rm.activeGeneration();
      assert.deepEqual(await rm.checkpoints(), new Array(PARTITIONS).fill(0));
      assert.deepEqual(await rm.checkpoints(generation), new Array(PARTITIONS).fill(0));
      assert.equal(await rm.getAccount('nobody'), null);
      assert.equal(await rm.getTransaction('nothing'), null);
      assert.deepEqual(await rm.listAccounts({ first: 10 }), { accounts: [], hasNextPage: false });
      assert.equal(await rm.countAccounts({}), 0);
    });

    test('commit writes documents and the checkpoint; load and queries read them back', async () => {
      const rm = await fresh();
      const generation = await rm.activeGeneration();
      const a = account('a', { balance: '250', version: 2, position: '1:7' });
      const tx = transaction('tx-1', { status: 'SUCCEEDED', accountPositions: ['1:7'], position: '1:8' });
      const result = await rm.commit(
        generation,
        { partition: 1, accounts: [a], transactions: [tx], checkpoint: 8 },
        { requireActive: true },
      );
      assert.equal(result, 'committed');
      assert.deepEqual(await rm.checkpoints(), [0, 8, 0, 0]);
      const loaded = await rm.load(generation, ['a', 'missing'], ['tx-1', 'missing']);
      assert.deepEqual([...loaded.accounts], [['a', a]]);
      assert.deepEqual([...loaded.transactions], [['tx-1', tx]]);
      assert.deepEqual(await rm.getAccount('a'), a);
      assert.deepEqual(await rm.getTransaction('tx-1'), tx);
    });

    test('an older document never overwrites a newer one', async () => {
      const rm = await fresh();
      const generation = await rm.activeGeneration();
      const newer = account('a', { balance: '90', version: 3, position: '0:12' });
      const newerTx = transaction('tx', { status: 'FAILED', failureReason: 'no', position: '0:13' });
      await commitTo(rm, generation, { accounts: [newer], transactions: [newerTx], checkpoint: 13 });
      await commitTo(rm, generation, {
        accounts: [account('a', { balance: '10', version: 2, position: '0:5' })],
        transactions: [transaction('tx', { position: '0:13' })],
        checkpoint: 6,
      });
      assert.deepEqual(await rm.getAccount('a'), newer);
      assert.deepEqual(await rm.getTransaction('tx'), newerTx);
      assert.deepEqual(await rm.checkpoints(), [13, 0, 0, 0], 'a stale checkpoint never moves back');
    });

    test('commitBatches writes several partitions as commits one after the other would', async () => {
      const rm = await fresh();
      const candidate = await rm.createGeneration();
      const newer = account('a', { balance: '90', version: 3, position: '1:12' });
      await commitTo(rm, candidate, { partition: 1, accounts: [newer], checkpoint: 12 });
      const b = account('b', { position: '2:3' });
      const tx = transaction('tx', { status: 'SUCCEEDED', position: '3:9' });
      await rm.commitBatches(candidate, [
        {
          partition: 1,
          accounts: [account('a', { balance: '10', version: 2, position: '1:5' })],
          transactions: [],
          checkpoint: 5,
        },
        { partition: 2, accounts: [b], transactions: [], checkpoint: 3 },
        { partition: 3, accounts: [], transactions: [tx], checkpoint: 9 },
      ]);
      assert.deepEqual(await rm.checkpoints(candidate), [0, 12, 3, 9], 'checkpoints only move forward');
      const loaded = await rm.load(candidate, ['a', 'b'], ['tx']);
      assert.deepEqual([...loaded.accounts.values()], [newer, b], 'an older document never overwrites a newer one');
      assert.deepEqual([...loaded.transactions.values()], [tx]);
      assert.deepEqual(await rm.checkpoints(), [0, 0, 0, 0], 'the active generation is untouched');
    });

    test('documents and checkpoints of one generation are invisible in another', async () => {
      const rm = await fresh();
      const active = await rm.activeGeneration();
      const candidate = await rm.createGeneration();
      assert.notEqual(candidate, active);
      await commitTo(rm, candidate, { partition: 2, accounts: [account('a')], checkpoint: 4 });
      assert.equal(await rm.getAccount('a'), null, 'queries read the active generation only');
      assert.deepEqual(await rm.checkpoints(), [0, 0, 0, 0]);
      assert.deepEqual(await rm.checkpoints(candidate), [0, 0, 4, 0]);
      assert.equal((await rm.load(active, ['a'], [])).accounts.size, 0);
      assert.equal((await rm.load(candidate, ['a'], [])).accounts.size, 1);
    });

    test('swap makes a caught-up generation active; commits requiring the old one are refused', async () => {
      const rm = await fresh();
      const old = await rm.activeGeneration();
      await commitTo(rm, old, { partition: 1, accounts: [account('a', { position: '1:3' })], checkpoint: 3 });
      const candidate = await rm.createGeneration();
      await commitTo(rm, candidate, {
        partition: 1,
        accounts: [account('a', { balance: '5', position: '1:3' })],
        checkpoint: 3,
      });

      assert.equal(await rm.swap(candidate), false, 'a swap needs its own lock');
      assert.equal(await rm.activeGeneration(), old);
      assert.equal(await rm.beginSwap(candidate, 60_000), true);
      assert.equal(await rm.swap(candidate), true);
      assert.equal(await rm.activeGeneration(), candidate);
      assert.equal((await rm.getAccount('a'))?.balance, '5');

      const refused = await rm.commit(
        old,
        { partition: 1, accounts: [account('b', { position: '1:4' })], transactions: [], checkpoint: 4 },
        { requireActive: true },
      );
      assert.equal(refused, 'inactive-generation');
      assert.equal((await rm.load(old, ['b'], [])).accounts.size, 0, 'a refused commit writes nothing');
      assert.deepEqual(await rm.checkpoints(old), [0, 3, 0, 0]);
      assert.equal(await rm.swap(candidate), true, 'swapping to the active generation is a no-op');
    });

    test('swap is refused while the candidate is behind the active generation in any partition', async () => {
      const rm = await fresh();
      const active = await rm.activeGeneration();
      await commitTo(rm, active, { partition: 0, checkpoint: 5 });
      await commitTo(rm, active, { partition: 3, checkpoint: 2 });
      const candidate = await rm.createGeneration();
      await commitTo(rm, candidate, { partition: 0, checkpoint: 9 });
      await commitTo(rm, candidate, { partition: 3, checkpoint: 1 });

      assert.equal(await rm.beginSwap(candidate, 60_000), true);
      assert.equal(await rm.swap(candidate), false);
      assert.equal(await rm.activeGeneration(), active);

      await commitTo(rm, candidate, { partition: 3, checkpoint: 2 });
      assert.equal(await rm.beginSwap(candidate, 60_000), true);
      assert.equal(await rm.swap(candidate), true);
      assert.equal(await rm.activeGeneration(), candidate);
    });

    const liveCommit = (rm: ReadModel, generation: string, checkpoint: number, id = `acc-${checkpoint}`) =>
      rm.commit(
        generation,
        { partition: 1, accounts: [account(id, { position: `1:${checkpoint}` })], transactions: [], checkpoint },
        { requireActive: true },
      );

    test('a swap lock holds live commits (writing nothing) until endSwap; the candidate still takes commits', async () => {
      const rm = await fresh();
      const active = await rm.activeGeneration();
      const candidate = await rm.createGeneration();
      assert.equal(await liveCommit(rm, active, 1), 'committed');

      assert.equal(await rm.beginSwap(candidate, 60_000), true);
      assert.equal(await liveCommit(rm, active, 2), 'swap-pending');
      assert.equal(await rm.getAccount('acc-2'), null, 'a held commit writes nothing');
      assert.deepEqual(await rm.checkpoints(active), [0, 1, 0, 0]);
      assert.equal(await commitTo(rm, candidate, { partition: 1, checkpoint: 1 }), 'committed');
      assert.deepEqual(await rm.checkpoints(candidate), [0, 1, 0, 0]);

      await rm.endSwap(candidate);
      assert.equal(await liveCommit(rm, active, 2), 'committed');
      assert.deepEqual(await rm.checkpoints(active), [0, 2, 0, 0]);
      await rm.endSwap(candidate); // releasing a lock no longer held is a no-op
    });

    test('a swap lock lapses by itself after its TTL', async () => {
      const rm = await fresh();
      const active = await rm.activeGeneration();
      const candidate = await rm.createGeneration();
      // Wide enough for a networked engine, or a loaded machine, to answer the first commit within the TTL.
      const ttlMs = 1_500;
      const began = Date.now();
      assert.equal(await rm.beginSwap(candidate, ttlMs), true);
      assert.equal(await liveCommit(rm, active, 1), 'swap-pending');
      await new Promise((resolve) => setTimeout(resolve, began + ttlMs + 100 - Date.now()));
      assert.equal(await liveCommit(rm, active, 1), 'committed');
      assert.equal(await rm.swap(candidate), false, 'a lapsed lock is not enough to swap');
      assert.equal(await rm.activeGeneration(), active);
      const other = await rm.createGeneration();
      assert.equal(await rm.beginSwap(other, 60_000), true, 'a lapsed lock can be taken by another generation');
      await rm.endSwap(other);
    });

    test('one generation holds the swap lock at a time; its holder may extend it', async () => {
      const rm = await fresh();
      const active = await rm.activeGeneration();
      const first = await rm.createGeneration();
      const second = await rm.createGeneration();
      assert.equal(await rm.beginSwap(first, 60_000), true);
      assert.equal(await rm.beginSwap(second, 60_000), false);
      await rm.endSwap(second); // not the holder: changes nothing
      assert.equal(await liveCommit(rm, active, 1), 'swap-pending');
      assert.equal(await rm.swap(second), false, 'no other generation swaps in while the lock is held');
      assert.equal(await rm.activeGeneration(), active);
      assert.equal(await rm.beginSwap(first, 60_000), true);
      await rm.endSwap(first);
      assert.equal(await rm.beginSwap(second, 60_000), true);
      await rm.dropGeneration(second);
      assert.equal(await liveCommit(rm, active, 1), 'committed', 'dropping a generation releases its lock');
    });

    test('swap releases the swap lock, whether it swaps or not', async () => {
      const rm = await fresh();
      const active = await rm.activeGeneration();
      assert.equal(await liveCommit(rm, active, 3), 'committed');
      const candidate = await rm.createGeneration();

      assert.equal(await rm.beginSwap(candidate, 60_000), true);
      assert.equal(await rm.swap(candidate), false, 'the candidate is behind');
      assert.equal(await liveCommit(rm, active, 4), 'committed', 'a refused swap releases the lock');

      assert.equal(await rm.beginSwap(candidate, 60_000), true);
      assert.equal(await commitTo(rm, candidate, { partition: 1, checkpoint: 4 }), 'committed');
      assert.equal(await rm.swap(candidate), true);
      assert.equal(await rm.activeGeneration(), candidate);
      assert.equal(await liveCommit(rm, candidate, 5), 'committed', 'a swap releases the lock');
      assert.equal(await liveCommit(rm, active, 6), 'inactive-generation');
    });

    test('accounts list by owner then id, with keyset cursors; the count covers every page', async () => {
      const rm = await fresh();
      const generation = await rm.activeGeneration();
      const owners: Array<[string, string]> = [
        ['d', 'carol'],
        ['b', 'alice'],
        ['e', 'bob'],
        ['a', 'bob'],
        ['c', 'alice'],
      ];
      await commitTo(rm, generation, { accounts: owners.map(([id, owner]) => account(id, { owner })), checkpoint: 5 });

      const first = await rm.listAccounts({ first: 2 });
      assert.deepEqual(
        first.accounts.map((a) => a.id),
        ['b', 'c'],
      );
      assert.equal(first.hasNextPage, true);
      assert.equal(await rm.countAccounts({}), 5);
      const last = first.accounts.at(-1)!;
      const second = await rm.listAccounts({ first: 2, after: { owner: last.owner, id: last.id } });
      assert.deepEqual(
        second.accounts.map((a) => a.id),
        ['a', 'e'],
      );
      const third = await rm.listAccounts({ first: 2, after: { owner: 'bob', id: 'e' } });
      assert.deepEqual(
        third.accounts.map((a) => a.id),
        ['d'],
      );
      assert.equal(third.hasNextPage, false);

      const bobs = await rm.listAccounts({ owner: 'bob', first: 1 });
      assert.deepEqual(
        bobs.accounts.map((a) => a.id),
        ['a'],
      );
      assert.equal(await rm.countAccounts({ owner: 'bob' }), 2);
      assert.equal(bobs.hasNextPage, true);
      const moreBobs = await rm.listAccounts({ owner: 'bob', first: 5, after: { owner: 'bob', id: 'a' } });
      assert.deepEqual(
        moreBobs.accounts.map((a) => a.id),
        ['e'],
      );
      assert.equal(moreBobs.hasNextPage, false);
      assert.equal(await rm.countAccounts({ owner: 'nobody' }), 0);
    });

    test("an account's transactions, from or to it, newest first with cursors", async () => {
      const rm = await fresh();
      const generation = await rm.activeGeneration();
      const at = (minute: number) => `2024-01-01T00:${String(minute).padStart(2, '0')}:00.000Z`;
      await commitTo(rm, generation, {
        transactions: [
          transaction('t1', { kind: 'DEPOSIT', from: null, to: 'a', createdAt: at(1) }),
          transaction('t2', { kind: 'TRANSFER', from: 'a', to: 'b', createdAt: at(2) }),
          transaction('t3', { kind: 'TRANSFER', from: 'b', to: 'a', createdAt: at(3) }),
          transaction('t4', { kind: 'DEPOSIT', from: null, to: 'b', createdAt: at(4) }),
          transaction('t5b', { kind: 'WITHDRAWAL', from: 'a', to: null, createdAt: at(5) }),
          transaction('t5a', { kind: 'DEPOSIT', from: null, to: 'a', createdAt: at(5) }),
        ],
        checkpoint: 6,
      });

      const page1 = await rm.listTransactions('a', { first: 2 });
      assert.deepEqual(
        page1.transactions.map((t) => t.id),
        ['t5b', 't5a'],
      );
      assert.equal(page1.hasNextPage, true);
      const cursor = page1.transactions.at(-1)!;
      const page2 = await rm.listTransactions('a', {
        first: 10,
        after: { createdAt: cursor.createdAt, id: cursor.id },
      });
      assert.deepEqual(
        page2.transactions.map((t) => t.id),
        ['t3', 't2', 't1'],
      );
      assert.equal(page2.hasNextPage, false);
      assert.deepEqual(
        (await rm.listTransactions('b', { first: 10 })).transactions.map((t) => t.id),
        ['t4', 't3', 't2'],
      );
      assert.deepEqual(await rm.listTransactions('nobody', { first: 10 }), { transactions: [], hasNextPage: false });
      // Every account's, newest first: what the operator sees.
      assert.deepEqual(
        (await rm.latestTransactions({ first: 3 })).map((t) => t.id),
        ['t5b', 't5a', 't4'],
      );
      assert.deepEqual(
        (await rm.latestTransactions({ first: 100 })).map((t) => t.id),
        ['t5b', 't5a', 't4', 't3', 't2', 't1'],
      );
      // Another generation's are not among them.
      const other = await rm.createGeneration();
      await commitTo(rm, other, { transactions: [transaction('t9', { createdAt: at(9) })], checkpoint: 1 });
      assert.equal((await rm.latestTransactions({ first: 1 }))[0]!.id, 't5b');
    });

    test("a transaction's later states stay listed under its accounts, as they stand", async () => {
      const rm = await fresh();
      const generation = await rm.activeGeneration();
      const requested = transaction('t1', { kind: 'TRANSFER', from: 'a', to: 'b', position: '0:1' });
      await commitTo(rm, generation, { transactions: [requested], checkpoint: 1 });
      const settled = {
        ...requested,
        status: 'SUCCEEDED' as const,
        updatedAt: '2024-01-01T00:00:01.000Z',
        accountPositions: ['0:2', '0:3'],
        position: '0:4',
      };
      await commitTo(rm, generation, { transactions: [settled], checkpoint: 4 });

      for (const account of ['a', 'b']) {
        assert.deepEqual((await rm.listTransactions(account, { first: 10 })).transactions, [settled]);
      }
      assert.deepEqual(await rm.getTransaction('t1'), settled);
    });

    test('64-bit money round-trips exactly', async () => {
      const rm = await fresh();
      const generation = await rm.activeGeneration();
      const max = '9223372036854775807';
      const min = '-9223372036854775808';
      await commitTo(rm, generation, {
        accounts: [account('max', { balance: max }), account('min', { balance: min })],
        transactions: [transaction('big', { amount: max })],
        checkpoint: 1,
      });
      assert.equal((await rm.getAccount('max'))?.balance, max);
      assert.equal((await rm.getAccount('min'))?.balance, min);
      assert.equal((await rm.getTransaction('big'))?.amount, max);
      assert.equal((await rm.listAccounts({ first: 5 })).accounts.find((a) => a.id === 'max')?.balance, max);
    });

    test('dropGeneration removes an inactive generation and refuses the active one', async () => {
      const rm = await fresh();
      const active = await rm.activeGeneration();
      const doomed = await rm.createGeneration();
      await commitTo(rm, doomed, { accounts: [account('a')], transactions: [transaction('t')], checkpoint: 2 });
      await commitTo(rm, active, { accounts: [account('kept')], checkpoint: 1 });

      await rm.dropGeneration(doomed);

      await assert.rejects(rm.dropGeneration(active));
      assert.equal(await rm.activeGeneration(), active);
      assert.equal((await rm.getAccount('kept'))?.id, 'kept');
      await assert.rejects(rm.checkpoints(doomed), 'a dropped generation is gone');
      await assert.rejects(commitTo(rm, doomed, { checkpoint: 3 }), 'a dropped generation takes no writes');
      assert.equal(await rm.swap(doomed).catch(() => false), false);
    });
  });
  defineBalanceHistoryContract(name, make);
}
