// Commit -> subscription delivery for `npm run bench`: graphql-ws subscribers of balanceChanged, the
// latency from sending a deposit to its change on every subscriber's socket, order, losses, and the
// gateway's memory per idle subscriber (see bench-heap.ts).
import { performance } from 'node:perf_hooks';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import type { Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { BalanceChangedDocument } from '@ledger/client';
import { openLoop, percentile } from './bench-load.js';

const BALANCE_CHANGED = print(BalanceChangedDocument);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface Delivery {
  readonly p50: number;
  readonly p99: number;
  /** Every subscriber saw each account's changes with rising sequences. */
  readonly inOrder: boolean;
  /** Changes some subscriber never saw (30 s after the last deposit). */
  readonly missing: number;
  /** Deposits sent: one per account to see the subscriptions live, then those of the measured stretch. */
  readonly deposits: number;
  /** The gateway's live bytes (after a full collection) with the subscribers connected and idle, less before, per subscriber. */
  readonly bytesPerIdleSubscriber?: number;
}

/**
 * Latency from sending a deposit (with `deposit`, which answers the transaction id) to its
 * balanceChanged on a websocket, at a fixed rate, for at least `minDurationMs` and 200 deposits.
 * One subscriber watches every account; more each watch one, spread over the accounts. With
 * `liveBytes` (the gateway's live memory) and more than one subscriber, it also measures their cost while idle.
 */
export async function deliveryLatency(
  origin: string,
  deposit: (accountId: string) => Promise<string>,
  ids: readonly string[],
  perSecond: number,
  subscriberCount: number,
  minDurationMs: number,
  liveBytes?: () => Promise<number>,
): Promise<Delivery> {
  const wsUrl = `${origin.replace(/^http/, 'ws')}/graphql`;
  const measureIdle = liveBytes !== undefined && subscriberCount > 1;
  const heapBefore = measureIdle ? await liveBytes() : 0;
  const sentAt = new Map<string, number>();
  const received = new Map<string, number[]>();
  const latencies: number[] = [];
  const expected = new Map<string, number>(); // account -> deliveries each of its subscribers must see
  let inOrder = true;
  const clients: WsClient[] = [];
  const deliveries = new Map<number, number>(); // subscriber -> deliveries seen
  const lastSequence = new Map<string, number>(); // subscriber/account -> last sequence seen
  const record = (transactionId: string, at: number): void => {
    const sent = sentAt.get(transactionId);
    if (sent !== undefined) latencies.push(at - sent);
    else received.set(transactionId, [...(received.get(transactionId) ?? []), at]);
  };
  const subscribed: Array<Promise<void>> = [];
  const connected: Array<Promise<void>> = [];
  for (let s = 0; s < subscriberCount; s++) {
    // One websocket per subscriber; a single subscriber watches every account.
    const accounts = subscriberCount === 1 ? ids : [ids[s % ids.length]!];
    const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0 });
    clients.push(client);
    connected.push(new Promise<void>((resolve) => client.on('connected', () => resolve())));
    let first: () => void = () => undefined;
    subscribed.push(new Promise((resolve) => (first = resolve)));
    client.subscribe<{ balanceChanged: { accountId: string; transactionId: string; position: string } }>(
      { query: BALANCE_CHANGED, variables: { accountIds: accounts } },
      {
        next: ({ data }) => {
          const at = performance.now();
          const change = data!.balanceChanged;
          // An account lives in one partition: its changes must come with rising sequences.
          const key = `${s}/${change.accountId}`;
          const sequence = Number(change.position.split(':')[1]);
          if (sequence <= (lastSequence.get(key) ?? 0)) inOrder = false;
          lastSequence.set(key, sequence);
          deliveries.set(s, (deliveries.get(s) ?? 0) + 1);
          first();
          record(change.transactionId, at);
        },
        error: (error) => console.error('subscriber failed', error),
        complete: () => undefined,
      },
    );
    if (s % 50 === 49) await sleep(20);
  }
  await Promise.all(connected);
  await sleep(500);
  const heapIdle = measureIdle ? await liveBytes() : 0;
  // Probe: one deposit per account, until every subscriber has seen one (its subscription is live).
  const probed = performance.now();
  for (const id of ids) {
    await deposit(id);
    expected.set(id, (expected.get(id) ?? 0) + 1);
  }
  await Promise.race([Promise.all(subscribed), sleep(30_000)]);
  latencies.length = 0;
  console.error(`    ${subscriberCount} subscriber(s) live in ${(performance.now() - probed).toFixed(0)} ms`);
  // At least 200 samples (low rates), within reason.
  const durationMs = Math.min(30_000, Math.max(minDurationMs, (200 / perSecond) * 1000));
  const { sent } = await openLoop({ rate: perSecond, durationMs }, async (i) => {
    const accountId = ids[i % ids.length]!;
    expected.set(accountId, (expected.get(accountId) ?? 0) + 1);
    // From the moment the deposit is sent: its commit happens after that, so this bounds commit -> delivery.
    const at = performance.now();
    const transactionId = await deposit(accountId);
    sentAt.set(transactionId, at);
    for (const early of received.get(transactionId) ?? []) latencies.push(early - at);
    received.delete(transactionId);
  });
  // Every subscriber must see every change of its account(s).
  const want = (s: number): number =>
    subscriberCount === 1
      ? [...expected.values()].reduce((a, b) => a + b, 0)
      : (expected.get(ids[s % ids.length]!) ?? 0);
  const deadline = Date.now() + 30_000;
  let missing = 0;
  for (;;) {
    missing = 0;
    for (let s = 0; s < subscriberCount; s++) missing += Math.max(0, want(s) - (deliveries.get(s) ?? 0));
    if (missing === 0 || Date.now() > deadline) break;
    await sleep(100);
  }
  await Promise.all(clients.map((client) => client.dispose()));
  latencies.sort((a, b) => a - b);
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    inOrder,
    missing,
    deposits: ids.length + sent,
    bytesPerIdleSubscriber: measureIdle ? (heapIdle - heapBefore) / subscriberCount : undefined,
  };
}
