import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { DepositDocument, OpenAccountDocument, TransferDocument } from '@ledger/client';
import { startTestSystem } from './testing/harness.js';
import type { TestSystem } from './testing/harness.js';
import { JWT_ENV, tokenFor } from './testing/tokens.js';

// The operator console in a real browser: Debian's chromium, driven by playwright-core.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(process.cwd(), 'test-artifacts');
const available = existsSync(CHROMIUM);
if (!available) {
  // CI installs chromium (.ci/run); a developer machine without it skips loudly.
  if (process.env.CI) throw new Error(`no browser at ${CHROMIUM}: the console test needs chromium`);
  console.warn(`SKIPPED: console browser test (no chromium at ${CHROMIUM}; apt-get install -y chromium)`);
}

const cellText = (page: Page, accountId: string, column: number): Promise<string | null> =>
  page.locator(`tr[data-account-id="${accountId}"] td`).nth(column).textContent();

// Conditions evaluated in the page (as source text: this package is compiled without the DOM's types).
const balanceShown = (accountId: string, text: string): string =>
  `document.querySelector('tr[data-account-id="${accountId}"]')?.children[2]?.textContent === '${text}'`;

describe('the operator console and the playground in a browser', { skip: !available }, () => {
  let ledger: TestSystem;
  let browser: Browser;
  let page: Page;
  const offMachine: string[] = [];

  before(async () => {
    ledger = await startTestSystem();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1440, height: 960 } });
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (!['data:', 'blob:'].includes(url.protocol) && url.hostname !== '127.0.0.1') offMachine.push(request.url());
    });
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await ledger?.dispose();
  });

  test('shows live balances, transactions, lag and leases; a deposit appears within a second', async () => {
    const open = async (owner: string) => (await ledger.client.request(OpenAccountDocument, { owner })).openAccount.id;
    const alice = await open('alice');
    const bob = await open('bob');
    await ledger.client.request(DepositDocument, { accountId: alice, amount: '125000' });
    await ledger.client.request(DepositDocument, { accountId: bob, amount: '4250' });

    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${ledger.baseUrl}/console`);
    await page.waitForSelector(`tr[data-account-id="${alice}"]`, { timeout: 10_000 });
    assert.equal(await cellText(page, alice, 0), 'alice');
    assert.equal(await cellText(page, alice, 2), '1,250.00');
    assert.equal(await cellText(page, bob, 2), '42.50');
    // The transactions made before the console opened are there from the start, newest first.
    await page.locator('#transactions tbody tr', { hasText: '1,250.00' }).waitFor({ timeout: 5000 });
    const earlier = await page.locator('#transactions tbody tr').allTextContents();
    assert.equal(earlier.length, 2);
    assert.match(earlier[0]!, /deposit.*42\.50.*SUCCEEDED/);
    assert.match(earlier[1]!, /deposit.*1,250\.00.*SUCCEEDED/);
    assert.equal(await page.isHidden('#transactions-empty'), true);
    // The live status, the leases of the three worker kinds and the chart, from Query.system.
    await page.waitForSelector('#status.live');
    await page.waitForFunction(`document.querySelectorAll('#workers .workers-kind').length === 3`, undefined, {
      timeout: 10_000,
    });
    const kinds = await page.locator('#workers .workers-kind h4').allTextContents();
    assert.deepEqual(kinds.map((kind) => kind.split(' ')[0]).sort(), ['forwarder', 'projector', 'saga']);
    await page.waitForSelector('#lag-chart canvas');
    assert.equal(await page.textContent('#tile-partitions'), '8 / 8 projected');
    // Give the balance subscription a moment to be in place before the deposit it must show.
    await page.waitForTimeout(300);

    const deposited = await ledger.client.request(DepositDocument, { accountId: alice, amount: '2599' });
    assert.equal(deposited.deposit.status, 'SUCCEEDED');
    const shownAt = Date.now();
    await page.waitForFunction(balanceShown(alice, '1,275.99'), undefined, { timeout: 1000 });
    assert.ok(Date.now() - shownAt <= 1000);
    await page.locator('#transactions tbody tr', { hasText: '25.99' }).waitFor({ timeout: 5000 });
    assert.match(
      (await page.locator('#transactions tbody tr').first().textContent())!,
      /25\.99/,
      'the live one on top',
    );
    assert.equal(await page.textContent('#tile-money'), '1,318.49');
    // A transfer that fails moves no balance, so no balance change names it: it is listed all the same.
    const refused = await ledger.client.request(TransferDocument, { from: bob, to: alice, amount: '99999999' });
    assert.equal(refused.transfer.status, 'FAILED');
    await page
      .locator('#transactions tbody tr', { hasText: '999,999.99' })
      .filter({ hasText: 'FAILED' })
      .waitFor({ timeout: 5000 });
    assert.match((await page.locator('#transactions tbody tr').first().textContent())!, /999,999\.99.*FAILED/);
    await page.screenshot({ path: join(ARTIFACTS, 'console.png'), fullPage: true });

    // The rebuild button replays the store into a new read model and swaps it in.
    await page.click('#rebuild-button');
    await page.locator('#rebuild-text', { hasText: 'Rebuild done' }).waitFor({ timeout: 20_000 });
    assert.equal(await cellText(page, alice, 2), '1,275.99');
    await page.screenshot({ path: join(ARTIFACTS, 'console-after-rebuild.png'), fullPage: true });

    assert.deepEqual(errors, []);
    assert.deepEqual(offMachine, [], 'every request stays on this machine');
  });

  test('past 100 accounts (what one balanceChanged subscription watches) every balance stays live', async () => {
    const opened = await Promise.all(
      Array.from({ length: 105 }, async (_, i) => {
        const { openAccount } = await ledger.client.request(OpenAccountDocument, {
          owner: `many-${String(i).padStart(3, '0')}`,
          consistency: 'EVENTUAL',
        });
        return openAccount.id;
      }),
    );
    // The greatest id sorts last among the page's accounts: past the first subscription's hundred.
    const last = [...opened].sort().at(-1)!;
    await page.goto(`${ledger.baseUrl}/console`);
    await page.waitForSelector(`tr[data-account-id="${last}"]`, { timeout: 10_000 });
    await page.waitForSelector('#status.live');
    await page.waitForTimeout(500);
    await ledger.client.request(DepositDocument, { accountId: last, amount: '1234' });
    // Within a second: the table's own refresh (every 5 s) would be too late.
    await page.waitForFunction(balanceShown(last, '12.34'), undefined, { timeout: 1000 });
    await page.locator('#transactions tbody tr', { hasText: '12.34' }).waitFor({ timeout: 5000 });
    assert.equal(await page.textContent('#status-text'), 'live');
  });

  test('a new account renews only the last subscription, which stays open until the new one is in place', async () => {
    // The graphql-ws frames the page sends: which balanceChanged subscriptions start and end, and when.
    const sent: Array<{ type: string; id: string; at: number; accountIds?: string[] }> = [];
    page.on('websocket', (socket) =>
      socket.on('framesent', ({ payload }) => {
        const frame = JSON.parse(String(payload)) as {
          id: string;
          type: string;
          payload?: { query: string; variables: { accountIds?: string[] } };
        };
        if (frame.type === 'subscribe' && frame.payload!.query.includes('balanceChanged')) {
          sent.push({
            type: 'subscribe',
            id: frame.id,
            at: Date.now(),
            accountIds: frame.payload!.variables.accountIds,
          });
        } else if (frame.type === 'complete') sent.push({ type: 'complete', id: frame.id, at: Date.now() });
      }),
    );
    const subscribed = () => sent.filter((frame) => frame.type === 'subscribe');
    const completed = (id: string) => sent.find((frame) => frame.type === 'complete' && frame.id === id);
    await page.goto(`${ledger.baseUrl}/console`);
    await page.waitForSelector('#status.live');
    await page.waitForFunction(`document.querySelectorAll('#accounts tbody tr').length > 100`);
    assert.equal(subscribed().length, 2, 'two subscriptions for more than 100 and fewer than 200 accounts');
    const [head, tail] = subscribed() as [(typeof sent)[0], (typeof sent)[0]];

    const { openAccount } = await ledger.client.request(OpenAccountDocument, { owner: 'latecomer' });
    await page.waitForSelector(`tr[data-account-id="${openAccount.id}"]`, { timeout: 10_000 });
    const renewed = subscribed().slice(2);
    assert.equal(renewed.length, 1, 'only the subscription the new account joins starts again');
    assert.deepEqual(renewed[0]!.accountIds, [...tail.accountIds!, openAccount.id]);

    // While both are open, a deposit to an account they share shows once, and the old one then ends.
    const shared = tail.accountIds![0]!;
    await ledger.client.request(DepositDocument, { accountId: shared, amount: '4321' });
    assert.equal(completed(tail.id), undefined, 'the deposit was made while both were open');
    await page.locator('#transactions tbody tr', { hasText: '43.21' }).waitFor({ timeout: 5000 });
    const deadline = Date.now() + 5000;
    while (!completed(tail.id) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(completed(tail.id), 'the replaced subscription ends');
    assert.ok(completed(tail.id)!.at - renewed[0]!.at >= 1000, 'a second or more after its successor started');
    assert.equal(completed(head.id), undefined, 'the first hundred stay subscribed');
    assert.equal(await page.locator('#transactions tbody tr', { hasText: '43.21' }).count(), 1);
  });

  test('a live balance never goes back when the table is read again under traffic', async () => {
    const accounts = await Promise.all(
      ['flow-a', 'flow-b', 'flow-c', 'flow-d'].map(
        async (owner) => (await ledger.client.request(OpenAccountDocument, { owner })).openAccount.id,
      ),
    );
    await page.goto(`${ledger.baseUrl}/console`);
    await page.waitForSelector(`tr[data-account-id="${accounts[3]}"]`, { timeout: 10_000 });
    await page.waitForSelector('#status.live');
    // Every balance the page shows, in order: with deposits alone, each is larger than the one before.
    await page.evaluate(`(() => {
      window.__shown = [];
      const watch = ${JSON.stringify(accounts)};
      new MutationObserver(() => {
        for (const id of watch) {
          const text = document.querySelector('tr[data-account-id="' + id + '"]')?.children[2]?.textContent;
          if (text) window.__shown.push([id, Number(text.replaceAll(',', ''))]);
        }
      }).observe(document.querySelector('#accounts tbody'), { subtree: true, childList: true, characterData: true });
    })()`);
    // Deposits for 6 s: at least one of the table's 5-second reads lands among them.
    const until = Date.now() + 6000;
    await Promise.all(
      accounts.map(async (accountId) => {
        while (Date.now() < until) {
          await ledger.client.request(DepositDocument, { accountId, amount: '100', consistency: 'EVENTUAL' });
        }
      }),
    );
    const shown = (await page.evaluate('window.__shown')) as Array<[string, number]>;
    const last = new Map<string, number>();
    const backwards: string[] = [];
    for (const [id, balance] of shown) {
      if (balance < (last.get(id) ?? 0)) backwards.push(`${id.slice(0, 8)}: ${last.get(id)} -> ${balance}`);
      last.set(id, balance);
    }
    assert.ok(shown.length > 40, `${shown.length} balances seen`);
    assert.deepEqual(backwards, []);
  });

  test('under LEDGER_AUTH=jwt it asks for an admin token, and shows everything once given one', async () => {
    const guarded = await startTestSystem({ env: JWT_ENV });
    try {
      const teller = guarded.clientWith(await tokenFor('tim', ['teller']));
      const { openAccount } = await teller.request(OpenAccountDocument, { owner: 'dora' });
      await teller.request(DepositDocument, { accountId: openAccount.id, amount: '700' });

      const tab = await browser.newPage({ viewport: { width: 1440, height: 960 } });
      try {
        await tab.goto(`${guarded.baseUrl}/console`);
        // Refused on HTTP (401) and on the websocket (4403) alike: it says so, and stays so.
        const signIn = `document.querySelector('#status-text')?.textContent?.startsWith('sign in')`;
        await tab.waitForFunction(signIn, undefined, { timeout: 5000 });
        await tab.waitForTimeout(2500);
        assert.match((await tab.textContent('#status-text'))!, /^sign in: a token with the admin role is needed/);
        assert.equal(await tab.isVisible('#token-form'), true);
        assert.equal(await tab.isHidden('#accounts-empty'), true, 'it does not claim there are no accounts');
        assert.equal(await tab.evaluate('document.body.classList.contains("stale")'), true, 'nothing shown is current');

        // A teller's token reads accounts but not the operator view: it stays "sign in", past the 5 s refresh,
        // and never reads "live" meanwhile, not even for the moment before the operator view is refused.
        await tab.evaluate(`(() => {
          window.__states = [];
          const status = document.querySelector('#status');
          new MutationObserver(() => window.__states.push(status.className)).observe(status, { attributes: true });
        })()`);
        await tab.fill('#token', await tokenFor('tim', ['teller']));
        await tab.press('#token', 'Enter');
        await tab.locator('#status-text', { hasText: 'that token was refused' }).waitFor({ timeout: 5000 });
        await tab.waitForTimeout(6000);
        assert.equal(
          await tab.textContent('#status-text'),
          'sign in: that token was refused, or it lacks the admin role',
        );
        assert.equal(await tab.isVisible('#token-form'), true);
        const states = (await tab.evaluate('window.__states')) as string[];
        assert.ok(states.length > 0);
        assert.deepEqual(
          states.filter((state) => state.split(' ').includes('live')),
          [],
        );

        await tab.fill('#token', await tokenFor('root', ['admin']));
        await tab.press('#token', 'Enter');
        await tab.waitForSelector(`tr[data-account-id="${openAccount.id}"]`, { timeout: 10_000 });
        await tab.waitForSelector('#status.live');
        await tab.locator('#transactions tbody tr', { hasText: '7.00' }).waitFor({ timeout: 5000 });
        assert.equal(await tab.isHidden('#token-form'), true, 'the accepted token is put away');
        assert.equal(await tab.evaluate('document.body.classList.contains("stale")'), false);
      } finally {
        await tab.close();
      }
    } finally {
      await guarded.dispose();
    }
  });

  test('the playground opens on this gateway with its example, offline and without banners', async () => {
    await page.goto(`${ledger.baseUrl}/playground`);
    await page.getByText('openAccount(owner: "alice")').first().waitFor({ timeout: 15_000 });
    await page.getByText('Send Request').first().waitFor();
    assert.equal(await page.getByText(/Altair AI/).count(), 0, "no banner for Altair's hosted assistant");
    // Pointed at this gateway's /graphql (the address bar is an editor, not an input).
    await page.getByText(`${ledger.baseUrl}/graphql`).first().waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'playground.png') });
    assert.deepEqual(offMachine, [], 'every request stays on this machine');
  });
});
