import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BalanceChangedDocument, DepositDocument, LedgerClientError, OpenAccountDocument } from '@ledger/client';
import { startTestSystem } from './testing/harness.js';
import type { TestSystem } from './testing/harness.js';
import { scrape } from './testing/scrape.js';

const PARTITIONS = 8;

describe('GET /metrics of `ledger all` (one registry, the gateway port)', () => {
  let ledger: TestSystem;
  before(async () => {
    ledger = await startTestSystem({ env: { LEDGER_PARTITIONS: String(PARTITIONS) } });
  });
  after(() => ledger.dispose());

  test('a deposit moves the gateway, command, store, forwarder and projector series', async () => {
    const { openAccount } = await ledger.client.request(OpenAccountDocument, { owner: 'metered' });
    const before = await scrape(ledger.baseUrl);
    assert.match(before.contentType, /^text\/plain; version=0\.0\.4/);

    const { deposit } = await ledger.client.request(DepositDocument, {
      accountId: openAccount.id,
      amount: '1250',
      idempotencyKey: `metered-${openAccount.id}`,
    });
    assert.equal(deposit.status, 'SUCCEEDED');
    const head = await ledger.storeHead();
    // The saga's and forwarder's checkpoints follow their batch by a moment.
    let now = await scrape(ledger.baseUrl);
    for (let i = 0; i < 50 && now.sum('ledger_forwarder_position') < head; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      now = await scrape(ledger.baseUrl);
    }
    const moved = (name: string, labels?: Record<string, string>) => now.sum(name, labels) - before.sum(name, labels);

    // Gateway: one Deposit operation answered OK, its read-your-writes wait settled.
    assert.equal(moved('ledger_graphql_operation_duration_seconds_count', { operation: 'Deposit', outcome: 'OK' }), 1);
    assert.ok(moved('ledger_graphql_operation_duration_seconds_sum', { operation: 'Deposit', outcome: 'OK' }) > 0);
    assert.equal(moved('ledger_read_your_writes_wait_seconds_count', { outcome: 'settled' }), 1);
    assert.equal(now.sum('ledger_read_your_writes_timeouts_total'), 0);
    // Write service: one Deposit command; its request, withdraw-less saga step and settlement appended.
    assert.equal(moved('ledger_command_duration_seconds_count', { command: 'Deposit', outcome: 'OK' }), 1);
    assert.ok(moved('ledger_append_batch_size_sum') >= 3, 'requested, deposited, succeeded');
    assert.ok(moved('ledger_append_commit_duration_seconds_count') >= 1);
    // SQLite waits for its write lock: its transactions are never run again (MongoDB's conflicts are).
    assert.ok(now.has('ledger_store_transaction_retries_total'));
    assert.equal(now.sum('ledger_store_transaction_retries_total'), 0);
    // Per partition: the heads add up to the store, forwarder and projector have all of it, no lag.
    assert.equal(now.sum('ledger_store_head'), head);
    assert.equal(now.sum('ledger_forwarder_position'), head);
    assert.equal(now.sum('ledger_saga_position'), head);
    assert.equal(now.sum('ledger_projector_checkpoint'), head);
    assert.equal(now.sum('ledger_projection_lag_events'), 0);
    assert.equal(now.sum('ledger_projection_lag_seconds'), 0);
    assert.equal(now.samples.filter((s) => s.name === 'ledger_store_head').length, PARTITIONS);
    assert.equal(moved('ledger_forwarder_events_total'), head - before.sum('ledger_store_head'));
    assert.equal(moved('ledger_projector_events_total'), head - before.sum('ledger_projector_checkpoint'));
    assert.ok(now.sum('ledger_projector_batch_duration_seconds_count') >= 1);
    // Leases: this process holds every partition of every kind.
    for (const kind of ['saga', 'forwarder', 'projector']) {
      assert.equal(now.sum('ledger_lease_partitions', { kind }), PARTITIONS, kind);
      assert.equal(now.sum('ledger_lease_acquisitions_total', { kind }), PARTITIONS, kind);
      assert.equal(now.sum('ledger_lease_losses_total', { kind }), 0, kind);
    }
    // Node's own: memory, event-loop delay, heap, GC.
    for (const name of [
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_p99_seconds',
      'nodejs_heap_size_used_bytes',
    ]) {
      assert.ok(now.sum(name) > 0, name);
    }
    assert.ok(now.has('nodejs_gc_duration_seconds_count') || now.has('nodejs_eventloop_lag_seconds'));
  });

  test('refused input and a repeated key are counted by outcome, and write nothing', async () => {
    const { openAccount } = await ledger.client.request(OpenAccountDocument, { owner: 'metered-2' });
    const key = `again-${openAccount.id}`;
    await ledger.client.request(DepositDocument, { accountId: openAccount.id, amount: '5', idempotencyKey: key });
    const before = await scrape(ledger.baseUrl);
    const refused = await ledger.client
      .request(DepositDocument, { accountId: openAccount.id, amount: '-5' })
      .catch((error: unknown) => error);
    assert.ok(refused instanceof LedgerClientError);
    await ledger.client.request(DepositDocument, { accountId: openAccount.id, amount: '5', idempotencyKey: key });
    const now = await scrape(ledger.baseUrl);
    const moved = (name: string, labels?: Record<string, string>) => now.sum(name, labels) - before.sum(name, labels);

    assert.equal(
      moved('ledger_graphql_operation_duration_seconds_count', { operation: 'Deposit', outcome: 'BAD_USER_INPUT' }),
      1,
    );
    assert.equal(moved('ledger_graphql_operation_duration_seconds_count', { operation: 'Deposit', outcome: 'OK' }), 1);
    // The refused one never reached the write service; the repeated one was answered from its key.
    assert.equal(moved('ledger_command_duration_seconds_count', { command: 'Deposit' }), 1);
    assert.equal(moved('ledger_command_idempotent_replays_total', { aggregate: 'Transaction' }), 1);
    assert.equal(moved('ledger_store_head'), 0);
  });

  test('open websockets and subscriptions are counted while they last', async () => {
    const before = await scrape(ledger.baseUrl);
    const { openAccount } = await ledger.client.request(OpenAccountDocument, { owner: 'watched' });
    const live = ledger.client.subscribe(BalanceChangedDocument, { accountIds: [openAccount.id] });
    await live.ready;
    const counted = async (sockets: number, subscriptions: number) => {
      for (let i = 0; ; i++) {
        const now = await scrape(ledger.baseUrl);
        const seen = [now.sum('ledger_graphql_websockets'), now.sum('ledger_graphql_subscriptions')];
        if (seen[0] === sockets && seen[1] === subscriptions) return;
        assert.ok(i < 100, `expected ${sockets} sockets and ${subscriptions} subscriptions, saw ${seen.join(' and ')}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    await counted(before.sum('ledger_graphql_websockets') + 1, before.sum('ledger_graphql_subscriptions') + 1);
    live.close();
    await counted(before.sum('ledger_graphql_websockets') + 1, before.sum('ledger_graphql_subscriptions'));
    await ledger.client.close();
    await counted(before.sum('ledger_graphql_websockets'), before.sum('ledger_graphql_subscriptions'));
  });
});
