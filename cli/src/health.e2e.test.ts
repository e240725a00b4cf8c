import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineUrl } from '@ledger/platform/testing';
import { freePorts, startLedgerProcess } from './testing/processes.js';
import type { LedgerProcess } from './testing/processes.js';
import { scrape } from './testing/scrape.js';

const NATS_URL = engineUrl('nats');
const REDIS_URL = engineUrl('redis');
const PARTITIONS = 4;

const readyz = async (port: number): Promise<{ status: number; ready: boolean } | null> => {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`);
    return { status: response.status, ...((await response.json()) as { ready: boolean }) };
  } catch {
    return null; // not listening yet
  }
};

async function until<T>(what: string, probe: () => Promise<T | null | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the HTTP port of a write-service and a projector', { skip: !NATS_URL || !REDIS_URL }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ledger-health-'));
  const processes: LedgerProcess[] = [];
  after(async () => {
    for (const proc of processes) proc.child.kill('SIGKILL');
    await Promise.all(processes.map((proc) => proc.exited));
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('/readyz is false while the write service is away, true once it answers; /metrics and /healthz', async () => {
    const [grpcPort, wsHttp, projectorHttp] = await freePorts(3);
    const env = {
      NATS_URL: NATS_URL!,
      REDIS_URL: REDIS_URL!,
      LEDGER_NAMESPACE: `h${randomUUID().slice(0, 8)}`,
      LEDGER_DATA_DIR: dataDir,
      LEDGER_PARTITIONS: String(PARTITIONS),
      LEASE_TTL_MS: '2000',
      HOST: '127.0.0.1',
      WRITE_SERVICE_GRPC: `127.0.0.1:${grpcPort}`,
    };
    const start = (name: string, role: string, extra: Record<string, string>): LedgerProcess => {
      const proc = startLedgerProcess(name, [role], { ...env, LEDGER_MEMBER_ID: name, ...extra });
      processes.push(proc);
      return proc;
    };

    // The projector first: its write service is not there yet.
    const projector = start('proj-1', 'projector', { HTTP_PORT: String(projectorHttp) });
    const away = await until('the projector to answer /readyz', () => readyz(projectorHttp!));
    assert.deepEqual(away, { status: 503, ready: false });
    const health = await fetch(`http://127.0.0.1:${projectorHttp}/healthz`);
    assert.equal(health.status, 200, 'alive all the same');
    await projector.waitForLog((line) => line.msg === 'projector: 4 partitions', 60_000);
    assert.deepEqual(await readyz(projectorHttp!), { status: 503, ready: false }, 'running, but its source is away');

    const writeService = start('ws-1', 'write-service', { GRPC_PORT: String(grpcPort), HTTP_PORT: String(wsHttp) });
    await until('the write service to be ready', async () => ((await readyz(wsHttp!))?.ready ? true : null));
    await until('the projector to be ready', async () => ((await readyz(projectorHttp!))?.ready ? true : null));
    assert.deepEqual(await readyz(projectorHttp!), { status: 200, ready: true });

    const ws = await scrape(`http://127.0.0.1:${wsHttp}`);
    assert.equal(ws.sum('ledger_lease_partitions', { kind: 'saga', member: 'ws-1' }), PARTITIONS);
    assert.equal(ws.sum('ledger_lease_partitions', { kind: 'forwarder', member: 'ws-1' }), PARTITIONS);
    assert.equal(ws.samples.filter((s) => s.name === 'ledger_store_head').length, PARTITIONS);
    assert.ok(ws.sum('process_resident_memory_bytes') > 0);
    assert.ok(!ws.has('ledger_projector_checkpoint'), 'a write service reports only its own series');
    const proj = await scrape(`http://127.0.0.1:${projectorHttp}`);
    assert.equal(proj.sum('ledger_lease_partitions', { kind: 'projector', member: 'proj-1' }), PARTITIONS);
    assert.equal(proj.samples.filter((s) => s.name === 'ledger_projection_lag_events').length, PARTITIONS);
    assert.ok(!proj.has('ledger_store_head'));

    // Stopping drains: the write service leaves, the projector's source is away again.
    writeService.child.kill('SIGTERM');
    assert.equal(await writeService.exited, 0);
    await until('the projector to be unready', async () =>
      (await readyz(projectorHttp!))?.ready === false ? true : null,
    );
    projector.child.kill('SIGTERM');
    assert.equal(await projector.exited, 0);
  });
});
