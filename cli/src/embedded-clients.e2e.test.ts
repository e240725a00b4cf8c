import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clientHookArgs, clientsLoaded } from './testing/engine-clients.js';
import { startLedgerProcess } from './testing/processes.js';

// The embedded `ledger all` (no engine URL) runs every role on its own adapters: the engines' client
// libraries it would load and never use cost memory and start time, so they stay unloaded.
test('`ledger all` without engine URLs loads no engine client while it serves', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ledger-clients-'));
  const ledger = startLedgerProcess(
    'ledger-all',
    ['all'],
    { PORT: '0', GRPC_PORT: '0', HOST: '127.0.0.1', LEDGER_DATA_DIR: dataDir },
    clientHookArgs,
  );
  try {
    const up = await ledger.waitForLog((line) => line.msg.startsWith('GraphQL gateway'), 60_000);
    const origin = `http://127.0.0.1:${Number(up.port)}`;
    const post = async (query: string): Promise<Record<string, { id: string; status?: string }>> => {
      const response = await fetch(`${origin}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
      });
      const body = (await response.json()) as { data?: Record<string, { id: string; status?: string }> };
      assert.ok(body.data, JSON.stringify(body));
      return body.data;
    };
    // A deposit goes through every role: command, saga and forwarder leases, bus, projection.
    const { id } = (await post('mutation { openAccount(owner: "clients") { id } }')).openAccount!;
    const deposit = `mutation { deposit(accountId: "${id}", amount: "5", consistency: READ_YOUR_WRITES) { status } }`;
    assert.equal((await post(deposit)).deposit!.status, 'SUCCEEDED');
    assert.equal((await fetch(`${origin}/readyz`)).status, 200);
    ledger.child.kill('SIGTERM');
    assert.equal(await ledger.exited, 0, ledger.stderr());
    assert.deepEqual(clientsLoaded(ledger.stdout()), []);
  } finally {
    ledger.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});
