// Commit -> subscription delivery for `npm run bench`: graphql-ws subscribers of balanceChanged, the
// latency from sending a deposit to its change on every subscriber's socket, order, losses, and the
// gateway's memory per idle subscriber (see bench-heap.ts).
import { performance } from 'node:perf_hooks';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import type { Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { BalanceChangedDocument } from '@ledger/client';
import { openLoop, percentile, sleep } from './bench-load.js';

const BALANCE_CHANGED = print(BalanceChangedDocument);
/** A bound on a wait that does not keep the process alive once the wait is over. */
const giveUpAfter = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

/**
 * Where a delivery's time went, in ms from sending the deposit: its acknowledgement (the request's
 * append), the saga's step (the change's `at`: when its MoneyDeposited was decided; the servers and
 * the bench read one clock on one machine, to the millisecond), and the push after that step
 * (`delivered` is the change on the socket less the step).
 */
export interface DeliveryStages {
  readonly acknowledged: number;
  readonly step: number;
  readonly delivered: number;
}

export interface Delivery {
  readonly p50: number;
  readonly p99: number;
  /** Each stage's own 99th percentile. */
  readonly stagesP99: DeliveryStages;
  /** The stages of the slowest 1% of deliveries (by the whole latency), averaged: where the tail comes from. */
  readonly slowest: DeliveryStages & { readonly total: number };
  /** Every subscriber saw each account's changes with rising sequences. */
  readonly inOrder: boolean;
  /** Changes some subscriber never saw (30 s after the last deposit). */
  readonly missing: number;
  /** Deposits sent: one per account to see the subscriptions live, then those of the measured stretch. */
  readonly deposits: number;
  /**
   * The bench's own CPU a measured deposit (its sender and subscribers, from the first measured
   * deposit until every change has arrived): on the servers' machine it is CPU the servers do not get.
   */
  readonly benchCpuMs: number;
  /** The gateway's live bytes (after a full collection) with the subscribers connected and idle, less once they left, per subscriber. */
  readonly bytesPerIdleSubscriber?: number;
}

/** One change on one socket: its whole latency and its stages. */
export type DeliverySample = DeliveryStages & { readonly total: number };

/** The latency's percentiles over `samples`, each stage's own p99, and the stages of the slowest 1% averaged. */
export function summarizeDeliveries(
  samples: readonly DeliverySample[],
): Pick<Delivery, 'p50' | 'p99' | 'stagesP99' | 'slowest'> {
  const percentileOf = (of: (sample: DeliverySample) => number, p: number): number =>
    percentile(
      samples.map(of).sort((a, b) => a - b),
      p,
    );
  const tail = [...samples].sort((a, b) => b.total - a.total).slice(0, Math.max(1, Math.ceil(samples.length / 100)));
  const mean = (of: (sample: DeliverySample) => number): number =>
    tail.reduce((sum, sample) => sum + of(sample), 0) / tail.length;
  return {
    p50: percentileOf((s) => s.total, 50),
    p99: percentileOf((s) => s.total, 99),
    stagesP99: {
      acknowledged: percentileOf((s) => s.acknowledged, 99),
      step: percentileOf((s) => s.step, 99),
      delivered: percentileOf((s) => s.delivered, 99),
    },
    slowest: {
      total: mean((s) => s.total),
      acknowledged: mean((s) => s.acknowledged),
      step: mean((s) => s.step),
      delivered: mean((s) => s.delivered),
    },
  };
}

/**
 * Latency from sending a deposit (with `deposit`, which answers the transaction id) to its
 * balanceChanged on a websocket, at a fixed rate, for at least `minDurationMs` and 200 deposits.
 * One subscriber watches every account; more each watch one, spread over the accounts. With
 * `liveBytes` (the gateway's live memory) and more than one subscriber, it also measures their cost while
 * idle, once every change has arrived: connected, then gone.
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
  const sentAt = new Map<string, { sent: number; acknowledged: number }>();
  const received = new Map<string, Array<{ at: number; step: number }>>();
  const samples: DeliverySample[] = [];
  const expected = new Map<string, number>(); // account -> deliveries each of its subscribers must see
  let inOrder = true;
  const clients: WsClient[] = [];
  const deliveries = new Map<number, number>(); // subscriber -> deliveries seen
  const lastSequence = new Map<string, number>(); // subscriber/account -> last sequence seen
  const sample = (times: { sent: number; acknowledged: number }, at: number, step: number) =>
    samples.push({
      total: at - times.sent,
      acknowledged: times.acknowledged - times.sent,
      step: step - times.sent,
      delivered: at - step,
    });
  const record = (transactionId: string, at: number, step: number): void => {
    const times = sentAt.get(transactionId);
    if (times !== undefined) sample(times, at, step);
    else received.set(transactionId, [...(received.get(transactionId) ?? []), { at, step }]);
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
    client.subscribe<{ balanceChanged: { accountId: string; transactionId: string; position: string; at: string } }>(
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
          record(change.transactionId, at, Date.parse(change.at) - performance.timeOrigin);
        },
        error: (error) => console.error('subscriber failed', error),
        complete: () => undefined,
      },
    );
    if (s % 50 === 49) await sleep(20);
  }
  await Promise.all(connected);
  // Probe: one deposit per account, until every subscriber has seen one (its subscription is live).
  const probed = performance.now();
  for (const id of ids) {
    await deposit(id);
    expected.set(id, (expected.get(id) ?? 0) + 1);
  }
  await Promise.race([Promise.all(subscribed), giveUpAfter(30_000)]);
  samples.length = 0;
  console.error(`    ${subscriberCount} subscriber(s) live in ${(performance.now() - probed).toFixed(0)} ms`);
  // At least 200 samples (low rates), within reason.
  const durationMs = Math.min(30_000, Math.max(minDurationMs, (200 / perSecond) * 1000));
  const benchCpu = process.cpuUsage();
  const { sent } = await openLoop({ rate: perSecond, durationMs }, async (i) => {
    const accountId = ids[i % ids.length]!;
    expected.set(accountId, (expected.get(accountId) ?? 0) + 1);
    // From the moment the deposit is sent: its commit happens after that, so this bounds commit -> delivery.
    const sending = performance.now();
    const transactionId = await deposit(accountId);
    const times = { sent: sending, acknowledged: performance.now() };
    sentAt.set(transactionId, times);
    for (const early of received.get(transactionId) ?? []) sample(times, early.at, early.step);
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
  const { user, system } = process.cpuUsage(benchCpu);
  // The idle subscribers' memory is read after the measured stretch, with them and then without them:
  // the full collections it takes (V8's low-memory ones, which also shrink the heap) made the stretch
  // right after them slower when they ran before it (MEASUREMENTS.md).
  const heapIdle = measureIdle ? await liveBytes() : 0;
  const closed = measureIdle
    ? clients.map((client) => new Promise<void>((resolve) => client.on('closed', () => resolve())))
    : [];
  await Promise.all(clients.map((client) => client.dispose()));
  if (measureIdle) await Promise.race([Promise.all(closed).then(() => sleep(200)), giveUpAfter(10_000)]);
  const heapAfter = measureIdle ? await liveBytes() : 0;
  return {
    benchCpuMs: (user + system) / 1000 / Math.max(1, sent),
    ...summarizeDeliveries(samples),
    inOrder,
    missing,
    deposits: ids.length + sent,
    bytesPerIdleSubscriber: measureIdle ? (heapIdle - heapAfter) / subscriberCount : undefined,
  };
}
