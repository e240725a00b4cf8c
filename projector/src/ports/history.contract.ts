import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BalanceEntry } from '@ledger/schema';
import type { ReadModel } from './read-model.js';

const PARTITIONS = 4;

/** Account `id`'s entry at `0:<sequence>`, `amount` signed, at minute `minute` of 2024-01-01. */
function entry(id: string, sequence: number, amount: number, balanceAfter: number, minute: number): BalanceEntry {
  return {
    accountId: id,
    transactionId: `tx-${sequence}`,
    kind: amount < 0 ? 'WITHDRAWAL' : 'DEPOSIT',
    amount: String(amount),
    counterparty: null,
    balanceAfter: String(balanceAfter),
    at: new Date(Date.UTC(2024, 0, 1, 0, minute)).toISOString(),
    position: `0:${sequence}`,
  };
}
const minute = (m: number) => new Date(Date.UTC(2024, 0, 1, 0, m)).toISOString();

/**
 * The balance history every ReadModel adapter keeps: balance at a moment, statement windows paged
 * by cursor, the ordered changes a live feed reads, idempotent writes, generations.
 */
export function defineBalanceHistoryContract(
  name: string,
  make: (options: { partitions: number }) => Promise<ReadModel>,
): void {
  describe(`ReadModel balance history contract: ${name}`, () => {
    const opened: ReadModel[] = [];
    const fresh = async (): Promise<ReadModel> => {
      const readModel = await make({ partitions: PARTITIONS });
      opened.push(readModel);
      return readModel;
    };
    after(async () => {
      await Promise.all(opened.map((readModel) => readModel.close()));
    });
    const commit = (rm: ReadModel, generation: string, history: BalanceEntry[], checkpoint: number) =>
      rm.commit(
        generation,
        { partition: 0, accounts: [], transactions: [], history, checkpoint },
        { requireActive: false },
      );

    // a: +100 (min 1), +50 (min 2), -30 (min 2, same millisecond), +5 (min 9); b interleaved.
    const a = [
      entry('a', 3, 100, 100, 1),
      entry('a', 5, 50, 150, 2),
      entry('a', 6, -30, 120, 2),
      entry('a', 9, 5, 125, 9),
    ];
    const b = [entry('b', 4, 7, 7, 1), entry('b', 8, -7, 0, 5)];

    test('balanceAt is exact to the event, "0" before the first change', async () => {
      const rm = await fresh();
      await commit(rm, await rm.activeGeneration(), [...a, ...b], 9);
      assert.equal(await rm.balanceAt('a', minute(0)), '0');
      assert.equal(await rm.balanceAt('a', minute(1)), '100');
      assert.equal(await rm.balanceAt('a', new Date(Date.parse(minute(2)) - 1).toISOString()), '100');
      assert.equal(await rm.balanceAt('a', minute(2)), '120', 'both changes of that millisecond');
      assert.equal(await rm.balanceAt('a', minute(8)), '120');
      assert.equal(await rm.balanceAt('a', minute(60)), '125');
      assert.equal(await rm.balanceAt('b', minute(6)), '0');
      assert.equal(await rm.balanceAt('nobody', minute(60)), '0');
    });

    test('statement entries: the window (from, to], in order, paged by cursor', async () => {
      const rm = await fresh();
      await commit(rm, await rm.activeGeneration(), [...a, ...b], 9);
      const all = await rm.statementEntries('a', { from: minute(1), to: minute(9), first: 10 });
      assert.deepEqual(all, { entries: a.slice(1), hasNextPage: false });

      const first = await rm.statementEntries('a', { from: minute(0), to: minute(9), first: 2 });
      assert.deepEqual(first, { entries: a.slice(0, 2), hasNextPage: true });
      const cursor = { at: a[1]!.at, sequence: 5 };
      const second = await rm.statementEntries('a', { from: minute(0), to: minute(9), first: 2, after: cursor });
      assert.deepEqual(second, { entries: a.slice(2), hasNextPage: false });

      const narrow = await rm.statementEntries('a', { from: minute(1), to: minute(2), first: 10 });
      assert.deepEqual(narrow.entries, a.slice(1, 3));
      // Opening + entries = closing.
      const opening = BigInt(await rm.balanceAt('a', minute(1)));
      const closing = BigInt(await rm.balanceAt('a', minute(2)));
      assert.equal(opening + narrow.entries.reduce((sum, e) => sum + BigInt(e.amount), 0n), closing);
      assert.deepEqual(await rm.statementEntries('a', { from: minute(9), to: minute(60), first: 10 }), {
        entries: [],
        hasNextPage: false,
      });
    });

    test('read as of a sequence, a statement leaves out the changes after it: balances and entries alike', async () => {
      const rm = await fresh();
      await commit(rm, await rm.activeGeneration(), [...a, ...b], 9);
      // As of sequence 5: a's +100 and +50, not the -30 of the same millisecond nor the +5.
      assert.equal(await rm.balanceAt('a', minute(2), 5), '150');
      assert.equal(await rm.balanceAt('a', minute(60), 5), '150');
      assert.equal(await rm.balanceAt('a', minute(0), 5), '0');
      assert.equal(await rm.balanceAt('a', minute(60), 9), '125');
      const until5 = await rm.statementEntries('a', { from: minute(0), to: minute(60), first: 10, untilSequence: 5 });
      assert.deepEqual(until5, { entries: a.slice(0, 2), hasNextPage: false });
      const paged = await rm.statementEntries('a', {
        from: minute(0),
        to: minute(60),
        first: 1,
        after: { at: a[0]!.at, sequence: 3 },
        untilSequence: 6,
      });
      assert.deepEqual(paged, { entries: [a[1]], hasNextPage: true });
    });

    test('balanceChanges: the accounts of one partition after a sequence, in sequence order, paged', async () => {
      const rm = await fresh();
      await commit(rm, await rm.activeGeneration(), [...a, ...b], 9);
      const query = { partition: 0, accountIds: ['a', 'b'], afterSequence: 0, first: 3 };
      const page = await rm.balanceChanges(query);
      assert.deepEqual(
        page.entries.map((e) => e.position),
        ['0:3', '0:4', '0:5'],
      );
      assert.equal(page.hasNextPage, true);
      const rest = await rm.balanceChanges({ ...query, afterSequence: 5, first: 10 });
      assert.deepEqual(
        rest.entries.map((e) => e.position),
        ['0:6', '0:8', '0:9'],
      );
      assert.equal(rest.hasNextPage, false);
      assert.deepEqual((await rm.balanceChanges({ ...query, accountIds: ['b'], afterSequence: 4 })).entries, [b[1]]);
    });

    test('an entry written again changes nothing; a new generation has its own history until it is swapped in', async () => {
      const rm = await fresh();
      const active = await rm.activeGeneration();
      await commit(rm, active, a.slice(0, 2), 5);
      await commit(rm, active, a.slice(0, 3), 6);
      const page = await rm.balanceChanges({ partition: 0, accountIds: ['a'], afterSequence: 0, first: 10 });
      assert.deepEqual(page.entries, a.slice(0, 3));

      const rebuilt = await rm.createGeneration();
      await commit(rm, rebuilt, a, 9);
      assert.equal(await rm.balanceAt('a', minute(60)), '120', 'queries read the active generation');
      assert.equal(await rm.beginSwap(rebuilt, 60_000), true);
      assert.equal(await rm.swap(rebuilt), true);
      assert.equal(await rm.balanceAt('a', minute(60)), '125');
      await rm.dropGeneration(active);
      assert.equal((await rm.statementEntries('a', { from: minute(0), to: minute(60), first: 10 })).entries.length, 4);
    });
  });
}
