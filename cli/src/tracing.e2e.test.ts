import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import { startTracing } from '@ledger/platform';
import { BalanceChangedDocument, DepositDocument, OpenAccountDocument, createLedgerClient } from '@ledger/client';
import type { LedgerClient } from '@ledger/client';
import { startTestSystem } from './testing/harness.js';
import { freePorts, startLedgerProcess } from './testing/processes.js';
import type { LedgerProcess, LogLine } from './testing/processes.js';

// One trace from the GraphQL mutation to the subscription push: the operation, the command and its
// append, the saga's steps, the forwarder's publish, the projector's apply and the push.
const CHAIN = [
  'graphql mutation Deposit',
  'Transaction.Request',
  'eventStore.append',
  'saga.settle',
  'Account.Deposit',
  'Transaction.Succeed',
  'forwarder.publish',
  'projector.apply',
  'subscription.push',
];

interface SeenSpan {
  readonly name: string;
  readonly traceId: string;
  readonly service: string;
}

/** Deposits into a watched account and waits for the push; returns when the push has arrived. */
async function depositAndWatch(client: LedgerClient): Promise<void> {
  const { openAccount } = await client.request(OpenAccountDocument, { owner: 'traced' });
  const live = client.subscribe(BalanceChangedDocument, { accountIds: [openAccount.id] });
  await live.ready;
  const iterator = live[Symbol.asyncIterator]();
  const pushed = iterator.next();
  await client.request(DepositDocument, { accountId: openAccount.id, amount: '700' });
  const first = await Promise.race([
    pushed,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no balance change pushed')), 15_000)),
  ]);
  assert.equal(first.done, false);
  assert.equal(first.value.balanceChanged.balance, '700');
  live.close();
}

function assertOneTrace(spans: readonly SeenSpan[]): string {
  const operation = spans.find((span) => span.name === 'graphql mutation Deposit');
  assert.ok(operation, `no operation span among ${[...new Set(spans.map((span) => span.name))].join(', ')}`);
  const inTrace = spans.filter((span) => span.traceId === operation.traceId);
  const names = new Set(inTrace.map((span) => span.name));
  for (const name of CHAIN)
    assert.ok(names.has(name), `${name} is not in the deposit's trace (has ${[...names].join(', ')})`);
  return operation.traceId;
}

/** Spans end out of order (the saga settles while the projector applies): waits for the whole chain. */
async function untilOneTrace(spans: () => readonly SeenSpan[], timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return assertOneTrace(spans());
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe('one trace from mutation to subscription push', () => {
  test('in ledger all (in-memory exporter)', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = await startTracing({ serviceName: 'ledger-all', exporter });
    const ledger = await startTestSystem();
    try {
      await depositAndWatch(ledger.client);
      await untilOneTrace(
        () =>
          exporter.getFinishedSpans().map((span) => ({
            name: span.name,
            traceId: span.spanContext().traceId,
            service: 'ledger-all',
          })),
        5000,
      );
    } finally {
      await ledger.dispose();
      await tracing.shutdown();
    }
  });

  const NATS_URL = process.env.NATS_URL;
  const REDIS_URL = process.env.REDIS_URL;
  const processes: LedgerProcess[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'ledger-tracing-'));
  after(async () => {
    for (const proc of processes) proc.child.kill('SIGKILL');
    await Promise.all(processes.map((proc) => proc.exited));
    rmSync(dataDir, { recursive: true, force: true });
  });

  test(
    'across processes: gateway, write-service and projector over gRPC and NATS (OTLP/HTTP)',
    { skip: !NATS_URL || !REDIS_URL },
    async () => {
      // An OTLP/HTTP receiver: the services' exporters post JSON ExportTraceServiceRequests here.
      const spans: SeenSpan[] = [];
      const receiver = createServer((request, response) => {
        let body = '';
        request.on('data', (chunk: Buffer) => (body += chunk.toString()));
        request.on('end', () => {
          const payload = JSON.parse(body) as {
            resourceSpans: Array<{
              resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
              scopeSpans: Array<{ spans: Array<{ name: string; traceId: string }> }>;
            }>;
          };
          for (const resource of payload.resourceSpans) {
            const service = resource.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
            for (const scope of resource.scopeSpans) {
              for (const span of scope.spans) spans.push({ name: span.name, traceId: span.traceId, service });
            }
          }
          response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      const [grpcPort] = await freePorts(1);
      const env = {
        NATS_URL: NATS_URL!,
        REDIS_URL: REDIS_URL!,
        LEDGER_NAMESPACE: `tr${randomUUID().slice(0, 8)}`,
        LEDGER_DATA_DIR: dataDir,
        LEDGER_PARTITIONS: '4',
        LEASE_TTL_MS: '2000',
        HOST: '127.0.0.1',
        WRITE_SERVICE_GRPC: `127.0.0.1:${grpcPort}`,
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
        OTEL_BSP_SCHEDULE_DELAY: '200',
      };
      const start = (role: string, extra: Record<string, string> = {}): LedgerProcess => {
        const proc = startLedgerProcess(role, [role], { ...env, LEDGER_MEMBER_ID: role, ...extra });
        processes.push(proc);
        return proc;
      };
      const writeService = start('write-service', { GRPC_PORT: String(grpcPort) });
      await writeService.waitForLog((line: LogLine) => line.msg === 'write-service gRPC listening', 60_000);
      start('projector');
      const gateway = start('gateway', { PORT: '0' });
      const up = await gateway.waitForLog((line) => String(line.msg).startsWith('GraphQL gateway'), 60_000);
      const client = createLedgerClient({ url: `http://127.0.0.1:${Number(up.port)}/graphql` });
      try {
        await depositAndWatch(client);
        const traceId = await untilOneTrace(() => spans, 15_000);
        const services = new Set(spans.filter((span) => span.traceId === traceId).map((span) => span.service));
        assert.deepEqual([...services].sort(), ['ledger-gateway', 'ledger-projector', 'ledger-write-service']);
      } finally {
        await client.close();
        receiver.close();
      }
    },
  );
});
