// `npm run bench`: throughput and latency of the embedded system, measured over real HTTP/gRPC.
import { performance } from 'node:perf_hooks';
import { DepositDocument, OpenAccountDocument, TransferDocument } from '@ledger/client';
import { startTestSystem } from './testing/harness.js';

const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
const OPS = env('BENCH_OPS', 2000);
const CONCURRENCY = env('BENCH_CONCURRENCY', 32);
const ACCOUNTS = env('BENCH_ACCOUNTS', 50);

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function measure(name: string, ops: number, run: (i: number) => Promise<unknown>): Promise<void> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < ops) {
        const i = next++;
        const t = performance.now();
        await run(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  console.log(
    `${name.padEnd(34)} ${String(ops).padStart(6)} ops ${(ops / seconds).toFixed(0).padStart(7)} ops/s   p50 ${percentile(latencies, 50).toFixed(1)} ms   p99 ${percentile(latencies, 99).toFixed(1)} ms`,
  );
}

const ledger = await startTestSystem({ env: { LEDGER_PARTITIONS: '16' } });
try {
  console.log(`embedded system, ${CONCURRENCY} concurrent clients, ${ACCOUNTS} accounts`);
  const ids: string[] = [];
  await measure('openAccount (READ_YOUR_WRITES)', ACCOUNTS, async (i) => {
    ids[i] = (await ledger.client.request(OpenAccountDocument, { owner: `bench-${i}` })).openAccount.id;
  });
  await measure('deposit (EVENTUAL)', OPS, (i) =>
    ledger.client.request(DepositDocument, { accountId: ids[i % ACCOUNTS]!, amount: '100', consistency: 'EVENTUAL' }),
  );
  await measure('deposit (READ_YOUR_WRITES)', OPS, (i) =>
    ledger.client.request(DepositDocument, { accountId: ids[i % ACCOUNTS]!, amount: '100' }),
  );
  await measure('transfer (READ_YOUR_WRITES)', OPS, (i) =>
    ledger.client.request(TransferDocument, {
      from: ids[i % ACCOUNTS]!,
      to: ids[(i * 7 + 1) % ACCOUNTS]!,
      amount: '1',
    }),
  );
  await measure('deposit, one hot account (RYW)', Math.floor(OPS / 4), () =>
    ledger.client.request(DepositDocument, { accountId: ids[0]!, amount: '1' }),
  );
  const events = await ledger.storeHead();
  const t = performance.now();
  const response = await fetch(`${ledger.baseUrl}/rebuild/balance`);
  const result = (await response.json()) as { events: number };
  const seconds = (performance.now() - t) / 1000;
  console.log(
    `rebuild balance over gRPC replay      ${result.events} events ${(result.events / seconds).toFixed(0)} events/s (store holds ${events})`,
  );
} finally {
  await ledger.dispose();
}
