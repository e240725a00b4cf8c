import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineUrl } from '@ledger/platform/testing';
import { startLedgerProcess } from './testing/processes.js';

const run = (args: string[], env: Record<string, string>) => {
  const started = startLedgerProcess(args.join(' '), args, env);
  return { ...started, output: () => ({ stdout: started.stdout(), stderr: started.stderr() }) };
};

describe('the ledger command', () => {
  test('a bad configuration value is named and the process exits 2', async () => {
    const bad = run(['all'], { LEDGER_PARTITIONS: 'many' });
    assert.equal(await bad.exited, 2);
    assert.match(bad.output().stderr, /LEDGER_PARTITIONS="many"/);
    const port = run(['all'], { PORT: '99999' });
    assert.equal(await port.exited, 2);
    assert.match(port.output().stderr, /PORT="99999"/);
  });

  test('a service alone says which engines it needs', async () => {
    const alone = run(['projector'], {});
    assert.equal(await alone.exited, 2);
    assert.match(alone.output().stderr, /NATS_URL/);
    const unknown = run(['nonsense'], {});
    assert.equal(await unknown.exited, 2);
    assert.match(unknown.output().stderr, /unknown command/);
  });

  test('`ledger all` serves GraphQL, logs JSON, and drains on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ledger-proc-'));
    const ledger = run(['all'], { PORT: '0', GRPC_PORT: '0', HOST: '127.0.0.1', LEDGER_DATA_DIR: dataDir });
    try {
      const deadline = Date.now() + 20_000;
      let port: number | undefined;
      while (port === undefined && Date.now() < deadline) {
        const match = /"port":(\d+),"msg":"GraphQL gateway/.exec(ledger.output().stdout);
        if (match) port = Number(match[1]);
        else await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(port, `no listening line in ${ledger.output().stdout}${ledger.output().stderr}`);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(health.status, 200);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      assert.equal(ready.status, 200);
      const opened = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'mutation { openAccount(owner: "proc") { id owner balance } }' }),
      });
      const body = (await opened.json()) as { data: { openAccount: { owner: string; balance: string } } };
      assert.equal(body.data.openAccount.owner, 'proc');
      const page = await fetch(`http://127.0.0.1:${port}/playground`, { headers: { accept: 'text/html' } });
      assert.equal(page.status, 200);
      assert.match(await page.text(), /altair/i);

      // A second one on the same port says so in one line, without a library's stack trace before it.
      const otherDir = mkdtempSync(join(tmpdir(), 'ledger-proc-'));
      try {
        const second = run(['all'], {
          PORT: String(port),
          GRPC_PORT: '0',
          HOST: '127.0.0.1',
          LEDGER_DATA_DIR: otherDir,
        });
        assert.notEqual(await second.exited, 0);
        assert.match(second.output().stderr, /failed to start: listen EADDRINUSE/);
        assert.doesNotMatch(second.output().stderr, /check your implementation/);
      } finally {
        rmSync(otherDir, { recursive: true, force: true });
      }

      ledger.child.kill('SIGTERM');
      assert.equal(await ledger.exited, 0);
      for (const line of ledger.output().stdout.trim().split('\n')) JSON.parse(line);
    } finally {
      ledger.child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
  test(
    'a SIGTERM while the process is still starting drains what started and exits 0',
    {
      skip: !engineUrl('nats') || !engineUrl('redis'),
    },
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'ledger-proc-'));
      const ws = run(['write-service'], {
        NATS_URL: engineUrl('nats')!,
        REDIS_URL: engineUrl('redis')!,
        LEDGER_NAMESPACE: `t${process.pid}-early-term`,
        GRPC_PORT: '0',
        LEDGER_DATA_DIR: dataDir,
      });
      try {
        // The gRPC server is up; the saga and forwarder balancers are still taking their leases.
        ws.child.stdout!.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('write-service gRPC listening')) ws.child.kill('SIGTERM');
        });
        assert.equal(await ws.exited, 0, ws.output().stdout + ws.output().stderr);
        assert.match(ws.output().stdout, /draining, then exiting/);
      } finally {
        ws.child.kill('SIGKILL');
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  );
});
