import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInProcessNotificationBus, partitionOf, silentLogger } from '@ledger/platform';
import { notifySubjects } from '@ledger/schema';
import type { AccountView, BalanceEntry, BalanceNotice, LedgerQueries } from '@ledger/schema';
import { createSqliteReadModel } from '@ledger/projector';
import type { ReadModel } from '@ledger/projector';
import { createBalanceFeed } from './balance-feed.js';
import type { BalanceFeed } from './balance-feed.js';
import { createNotificationHub } from './notification-hub.js';
import type { NotificationHub } from './notification-hub.js';

const PARTITIONS = 4;
const NOW = '2024-05-01T10:00:00.000Z';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('balance feed over the SQLite read model', () => {
  let dir: string;
  let readModel: ReadModel;
  let bus: ReturnType<typeof createInProcessNotificationBus>;
  let hub: NotificationHub;
  let generation: string;
  let historyReads = 0;
  let feed: BalanceFeed;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-'));
    readModel = createSqliteReadModel({ path: join(dir, 'read-model.db'), partitions: PARTITIONS });
    bus = createInProcessNotificationBus();
    hub = createNotificationHub({ bus, logger: silentLogger() });
    generation = await readModel.activeGeneration();
    const counted: LedgerQueries = Object.assign(Object.create(readModel) as ReadModel, {
      balanceChanges: (query: Parameters<ReadModel['balanceChanges']>[0]) => {
        historyReads++;
        return readModel.balanceChanges(query);
      },
    });
    // No periodic look within a test: only notifications make the feed move.
    feed = createBalanceFeed({
      readModel: counted,
      hub,
      partitions: PARTITIONS,
      logger: silentLogger(),
      pollMs: 600_000,
    });
  });
  after(async () => {
    feed.close();
    await hub.close();
    await bus.close();
    await readModel.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // Partitions are shared by the tests' accounts: each change takes its partition's next sequence.
  const heads = new Array<number>(PARTITIONS).fill(0);

  /** An account's changes, committed one by one as the projector does, each with the notice it would send. */
  function account(): { id: string; change(): Promise<BalanceNotice> } {
    const id = randomUUID();
    const partition = partitionOf(id, PARTITIONS);
    let balance = 0;
    let previousSequence = 0;
    return {
      id,
      async change() {
        const sequence = ++heads[partition]!;
        balance += 5;
        const position = `${partition}:${sequence}`;
        const entry: BalanceEntry = {
          accountId: id,
          transactionId: randomUUID(),
          kind: 'DEPOSIT',
          amount: '5',
          counterparty: null,
          balanceAfter: String(balance),
          at: NOW,
          position,
        };
        const view: AccountView = {
          id,
          owner: 'ann',
          balance: String(balance),
          status: 'OPEN',
          version: sequence,
          updatedAt: NOW,
          position,
        };
        const result = await readModel.commit(
          generation,
          { partition, accounts: [view], transactions: [], history: [entry], checkpoint: sequence },
          { requireActive: true },
        );
        assert.equal(result, 'committed');
        const notice = { ...entry, previousSequence };
        previousSequence = sequence;
        return notice;
      },
    };
  }

  const deliveredTo = async (accountId: string): Promise<{ entries: BalanceEntry[]; stop: () => void }> => {
    const entries: BalanceEntry[] = [];
    const stop = await feed.follow(accountId, (await feed.now([accountId]))[0]!, (entry) => entries.push(entry));
    return { entries, stop };
  };
  const until = async (done: () => boolean): Promise<void> => {
    for (let i = 0; i < 200 && !done(); i++) await sleep(10);
  };

  test('a notice that follows what the follower has is delivered as it is, without reading the history', async () => {
    const acc = account();
    const { entries, stop } = await deliveredTo(acc.id);
    const readsBefore = historyReads;
    const notices: BalanceNotice[] = [];
    for (let i = 0; i < 3; i++) {
      notices.push(await acc.change());
      await bus.publish(notifySubjects.balance(acc.id), notices.at(-1));
    }
    await until(() => entries.length === 3);
    assert.deepEqual(
      entries.map((entry) => [entry.position, entry.balanceAfter]),
      notices.map((notice) => [notice.position, notice.balanceAfter]),
    );
    assert.deepEqual(
      entries.map((entry) => entry.balanceAfter),
      ['5', '10', '15'],
    );
    assert.equal(historyReads - readsBefore, 0);
    stop();
  });

  test('a lost notice is made up from the history: the next one does not follow, so the feed reads', async () => {
    const acc = account();
    const { entries, stop } = await deliveredTo(acc.id);
    const readsBefore = historyReads;
    const lost = await acc.change(); // its notice is lost
    const next = await acc.change();
    await bus.publish(notifySubjects.balance(acc.id), next);
    await until(() => entries.length === 2);
    assert.deepEqual(
      entries.map((entry) => entry.position),
      [lost.position, next.position],
    );
    assert.ok(historyReads - readsBefore >= 1);
    // The feed knows the account up to 2 again: the next notice follows on.
    const readsAfterGap = historyReads;
    await bus.publish(notifySubjects.balance(acc.id), await acc.change());
    await until(() => entries.length === 3);
    assert.equal(entries.length, 3);
    assert.equal(historyReads, readsAfterGap);
    stop();
  });

  test('a subscriber catching up waits for an announced entry that searches do not show yet', async () => {
    // A read model whose searches show commits a moment later (Elasticsearch between refreshes).
    let hideAbove = Infinity;
    const lagging: LedgerQueries = Object.assign(Object.create(readModel) as ReadModel, {
      balanceChanges: async (query: Parameters<ReadModel['balanceChanges']>[0]) => {
        const page = await readModel.balanceChanges(query);
        const entries = page.entries.filter((entry) => Number(entry.position.split(':')[1]) <= hideAbove);
        return { entries, hasNextPage: page.hasNextPage && entries.length === page.entries.length };
      },
    });
    const laggingFeed = createBalanceFeed({
      readModel: lagging,
      hub,
      partitions: PARTITIONS,
      logger: silentLogger(),
      pollMs: 600_000,
    });
    try {
      const acc = account();
      const start = (await laggingFeed.now([acc.id]))[0]!;
      const live: BalanceEntry[] = [];
      const stopLive = await laggingFeed.follow(acc.id, start, (entry) => live.push(entry));
      hideAbove = start;
      const notice = await acc.change();
      await bus.publish(notifySubjects.balance(acc.id), notice);
      await until(() => live.length === 1);
      assert.equal(live[0]!.position, notice.position, 'the live subscriber has it from the notice');

      // Another subscriber resumes from before the change while searches still hide it.
      const resumed: BalanceEntry[] = [];
      const joining = laggingFeed.follow(acc.id, start, (entry) => resumed.push(entry));
      await sleep(150);
      assert.equal(resumed.length, 0, 'nothing to deliver yet, and not given up');
      hideAbove = Infinity;
      const stopResumed = await joining;
      assert.deepEqual(
        resumed.map((entry) => entry.position),
        [notice.position],
      );
      stopResumed();
      stopLive();
    } finally {
      laggingFeed.close();
    }
  });

  test('a notice that is not a balance notice of the account only makes the feed read', async () => {
    const acc = account();
    const { entries, stop } = await deliveredTo(acc.id);
    const readsBefore = historyReads;
    const notice = await acc.change();
    // What an older projector sends (no previousSequence), and a notice naming another account.
    await bus.publish(notifySubjects.balance(acc.id), { position: notice.position });
    await until(() => entries.length === 1);
    assert.equal(entries.length, 1);
    assert.ok(historyReads - readsBefore >= 1);
    const forged = { ...(await acc.change()), accountId: randomUUID(), balanceAfter: '999' };
    await bus.publish(notifySubjects.balance(acc.id), forged);
    await until(() => entries.length === 2);
    assert.equal(entries[1]!.balanceAfter, '10', 'the history, not the notice');
    stop();
  });
});
