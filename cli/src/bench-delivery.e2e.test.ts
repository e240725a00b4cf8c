import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DepositDocument, OpenAccountDocument } from '@ledger/client';
import { deliveryLatency } from './bench-delivery.js';
import { startTestSystem } from './testing/harness.js';

test("the subscribers' idle memory is read outside the measured stretch: connected once every change arrived, then gone", async () => {
  const ledger = await startTestSystem();
  try {
    const open = async (owner: string) => (await ledger.client.request(OpenAccountDocument, { owner })).openAccount.id;
    const ids = [await open('bench-a'), await open('bench-b')];
    let sending = 0;
    let lastSent = 0;
    const deposit = async (accountId: string): Promise<string> => {
      sending++;
      const answer = await ledger.client.request(DepositDocument, { accountId, amount: '1', consistency: 'EVENTUAL' });
      lastSent = performance.now();
      sending--;
      return answer.deposit.id;
    };
    // What the gateway holds, as the bench's inspector reading would answer it: more while sockets are open.
    const readings: Array<{ at: number; sending: number }> = [];
    const liveBytes = async (): Promise<number> => {
      readings.push({ at: performance.now(), sending });
      return readings.length === 1 ? 7_000 : 1_000;
    };

    const delivery = await deliveryLatency(ledger.baseUrl, deposit, ids, 100, 3, 300, liveBytes);

    assert.equal(delivery.missing, 0);
    assert.equal(delivery.inOrder, true);
    assert.equal(readings.length, 2, 'one reading with the subscribers, one without');
    for (const reading of readings) {
      assert.equal(reading.sending, 0, 'no deposit in flight while the memory is read');
      assert.ok(reading.at > lastSent, 'read after the last deposit of the measured stretch');
    }
    assert.equal(delivery.bytesPerIdleSubscriber, 2_000, '(connected - gone) / 3 subscribers');
  } finally {
    await ledger.dispose();
  }
});
