import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DepositDocument, OpenAccountDocument } from '@ledger/client';
import { startTestSystem } from './testing/harness.js';
import type { TestSystem } from './testing/harness.js';

// The Grafana dashboard of docker-compose's observability profile queries only series the system
// exposes: a renamed metric fails here, not silently as an empty panel.
const DASHBOARD = new URL('../../observability/grafana/dashboards/ledger.json', import.meta.url);
const HISTOGRAM_PARTS = /_(bucket|sum|count)$/;

describe('the provisioned Grafana dashboard', () => {
  let ledger: TestSystem;
  before(async () => {
    ledger = await startTestSystem();
  });
  after(async () => {
    await ledger.dispose();
  });

  test('every metric a panel queries is exposed by ledger all', async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
      panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
    };
    const { openAccount } = await ledger.client.request(OpenAccountDocument, { owner: 'dash' });
    await ledger.client.request(DepositDocument, { accountId: openAccount.id, amount: '100' });
    const exposition = await (await fetch(`${ledger.baseUrl}/metrics`)).text();
    const exposed = new Set([...exposition.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1]!));

    assert.ok(dashboard.panels.length >= 10);
    for (const panel of dashboard.panels) {
      for (const { expr } of panel.targets) {
        const names = expr.match(/\b(ledger|nodejs|process)_[a-z0-9_]+\b/g) ?? [];
        assert.ok(names.length > 0, `${panel.title}: no metric in ${expr}`);
        for (const name of names) {
          const base = exposed.has(name) ? name : name.replace(HISTOGRAM_PARTS, '');
          assert.ok(exposed.has(base), `${panel.title}: ${name} is not exposed`);
        }
      }
    }
  });
});
