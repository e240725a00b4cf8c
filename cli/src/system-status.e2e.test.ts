import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DepositDocument,
  LedgerClientError,
  OpenAccountDocument,
  SystemChangedDocument,
  SystemDocument,
} from '@ledger/client';
import type { SystemChangedSubscription, SystemQuery } from '@ledger/client';
import { startTestSystem } from './testing/harness.js';
import type { TestSystem } from './testing/harness.js';

const PARTITIONS = 8;

type View = SystemQuery['system'] | SystemChangedSubscription['systemChanged'];
const totalHead = (view: View): number => view.partitions.reduce((sum, p) => sum + p.storeHead, 0);

describe('the operator view (Query.system, Subscription.systemChanged)', () => {
  let ledger: TestSystem;
  before(async () => {
    ledger = await startTestSystem({ env: { LEDGER_PARTITIONS: String(PARTITIONS) } });
  });
  after(() => ledger.dispose());

  const system = async (): Promise<SystemQuery['system']> => (await ledger.client.request(SystemDocument, {})).system;

  test('shows every partition caught up after a read-your-writes deposit, and who holds it', async () => {
    const { openAccount } = await ledger.client.request(OpenAccountDocument, { owner: 'operator-view' });
    await ledger.client.request(DepositDocument, { accountId: openAccount.id, amount: '700' });
    // The saga and forwarder checkpoints are written just after their batch: allow them a moment.
    let view = await system();
    const storeHead = await ledger.storeHead();
    const behind = (p: View['partitions'][number]) => p.forwarderPosition < p.storeHead || p.sagaPosition < p.storeHead;
    for (let i = 0; i < 50 && view.partitions.some(behind); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      view = await system();
    }

    assert.deepEqual(
      view.partitions.map((p) => p.partition),
      [...Array(PARTITIONS).keys()],
    );
    assert.equal(totalHead(view), storeHead, 'the heads add up to what the store holds');
    assert.ok(storeHead >= 4, 'opened, requested, deposited, succeeded');
    for (const p of view.partitions) {
      assert.equal(p.checkpoint, p.storeHead, `partition ${p.partition} is projected`);
      assert.equal(p.lagEvents, 0);
      assert.equal(p.lagSeconds, 0);
      assert.equal(p.forwarderPosition, p.storeHead);
      assert.equal(p.sagaPosition, p.storeHead);
      assert.deepEqual(
        p.owners.map((owner) => owner.kind),
        ['SAGA', 'FORWARDER', 'PROJECTOR'],
      );
      assert.ok(p.owners.every((owner) => owner.token > 0));
    }
    const member = view.partitions[0]!.owners[0]!.member;
    assert.ok(
      view.partitions.every((p) => p.owners.every((owner) => owner.member === member)),
      'one process holds all',
    );
    assert.deepEqual(
      view.workers.map((group) => ({ kind: group.kind, members: group.members, unowned: group.unowned })),
      ['SAGA', 'FORWARDER', 'PROJECTOR'].map((kind) => ({
        kind,
        members: [{ id: member, partitions: [...Array(PARTITIONS).keys()] }],
        unowned: [],
      })),
    );
    assert.equal(view.rebuild.phase, 'IDLE');
    assert.ok(Math.abs(Date.parse(view.at) - Date.now()) < 5_000);
  });

  test('reports a rebuild run through the gateway, with its progress', async () => {
    const response = await fetch(`${ledger.baseUrl}/rebuild/balance`);
    assert.equal(response.status, 200);
    const result = (await response.json()) as { generation: string; events: number };
    const { rebuild } = await system();
    assert.equal(rebuild.phase, 'DONE');
    assert.equal(rebuild.generation, result.generation);
    assert.equal(rebuild.eventsApplied, result.events);
    assert.equal(rebuild.eventsTotal, await ledger.storeHead());
    assert.equal(rebuild.progress, 1);
    assert.ok(rebuild.startedAt && rebuild.finishedAt && rebuild.startedAt <= rebuild.finishedAt);
    assert.equal(rebuild.error, null);
  });

  test('systemChanged pushes the view at the asked interval, and sees new writes', async () => {
    const live = ledger.client.subscribe(SystemChangedDocument, { intervalMs: 500 });
    const pushes = live[Symbol.asyncIterator]();
    try {
      const first = (await pushes.next()).value!.systemChanged;
      const headBefore = totalHead(first);
      const { openAccount } = await ledger.client.request(OpenAccountDocument, { owner: 'watched-by-operator' });
      let latest = first;
      const started = Date.now();
      while (totalHead(latest) === headBefore) {
        latest = (await pushes.next()).value!.systemChanged;
        assert.ok(Date.now() - started < 5_000, 'the opening shows within a few pushes');
      }
      assert.ok(Date.parse(latest.at) - Date.parse(first.at) >= 400, 'pushes are an interval apart');
      assert.ok(openAccount.id);
    } finally {
      live.close();
    }
  });

  test('an interval out of bounds is BAD_USER_INPUT', async () => {
    const live = ledger.client.subscribe(SystemChangedDocument, { intervalMs: 10 });
    const error = await live[Symbol.asyncIterator]()
      .next()
      .then(
        () => null,
        (failure: unknown) => failure,
      );
    assert.ok(error instanceof LedgerClientError, String(error));
    assert.equal(error.code, 'BAD_USER_INPUT');
  });
});
