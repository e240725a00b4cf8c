import { SystemChangedDocument } from '@ledger/client';
import type { SystemStatusFieldsFragment } from '@ledger/client';
import './console.css';
import { createAccountsView } from './accounts.js';
import { byId } from './dom.js';
import { formatMoney } from './format.js';
import { createLagChart } from './lag-chart.js';
import { createSession } from './session.js';
import type { SessionState } from './session.js';
import { createTransactionsView } from './transactions.js';
import { createWorkersView } from './workers.js';

// The operator console: every figure comes through the GraphQL API (typed client, graphql-ws).

const session = createSession();
const transactions = createTransactionsView(session, (id) => accounts.ownerOf(id));
const accounts = createAccountsView(session, (change) => {
  transactions.seen(change.transactionId);
  showMoney();
});
const lag = createLagChart();
const workers = createWorkersView(session);

const STATE_TEXT: Record<SessionState, string> = {
  connecting: 'connecting…',
  live: 'live',
  reconnecting: 'reconnecting…',
  'needs-token': 'sign in: a token with the admin role is needed',
};
let tokenTried = false;
let sessionState: SessionState = 'connecting';
// Live once the operator view has come since the last start or drop: a token that may read the accounts
// but not the operator view (a teller's) must not read as live until its refusal arrives.
let viewed = false;
function showStatus(): void {
  const state = sessionState === 'live' && !viewed ? 'connecting' : sessionState;
  const status = byId('status');
  status.className = `status ${state === 'live' ? 'live' : state === 'connecting' ? '' : 'down'}`;
  byId('status-text').textContent =
    state === 'needs-token' && tokenTried
      ? 'sign in: that token was refused, or it lacks the admin role'
      : STATE_TEXT[state];
  // What is on the page stops being current while the gateway cannot be reached or refuses the token.
  document.body.classList.toggle('stale', state !== 'live');
  if (state === 'needs-token') byId('token-form').hidden = false;
  if (state === 'live' && tokenTried) byId('token-form').hidden = true;
}
session.onState((state) => {
  sessionState = state;
  if (state === 'reconnecting' || state === 'needs-token') viewed = false;
  showStatus();
});

byId<HTMLFormElement>('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  tokenTried = true;
  session.setToken(byId<HTMLInputElement>('token').value);
  start();
});

function showMoney(): void {
  const { sum, complete, counted } = accounts.moneyHeld();
  byId('tile-accounts').textContent = accounts.totalCount.toLocaleString();
  const money = byId('tile-money');
  money.textContent = `${formatMoney(sum)}${complete ? '' : '+'}`;
  // A sum in the quadrillions keeps its digits together, in a smaller size.
  money.classList.toggle('long', money.textContent.length > 14);
  const note = byId('tile-money-note');
  note.hidden = complete;
  note.textContent = `in the ${counted.toLocaleString()} accounts shown`;
}

function showSystem(status: SystemStatusFieldsFragment): void {
  if (!viewed) {
    viewed = true;
    showStatus();
  }
  const worst = status.partitions.reduce(
    (most, p) =>
      p.lagEvents > most.events ? { partition: p.partition, events: p.lagEvents, seconds: p.lagSeconds } : most,
    { partition: -1, events: 0, seconds: 0 },
  );
  byId('tile-lag').textContent =
    worst.events === 0
      ? 'caught up'
      : `${worst.events.toLocaleString()} ev · ${worst.seconds.toFixed(1)} s (p${worst.partition})`;
  const projected = status.partitions.filter((p) => p.owners.some((owner) => owner.kind === 'PROJECTOR')).length;
  byId('tile-partitions').textContent = `${projected} / ${status.partitions.length} projected`;
  lag.add(status);
  workers.show(status);
  transactions.latest(status.latestTransactions);
}

let running: AbortController | undefined;
let refresher: ReturnType<typeof setInterval> | undefined;

function start(): void {
  running?.abort();
  clearInterval(refresher);
  running = new AbortController();
  viewed = false;
  showStatus();
  session.follow(
    SystemChangedDocument,
    { intervalMs: 2000 },
    ({ systemChanged }) => showSystem(systemChanged),
    running.signal,
  );
  const refresh = (): Promise<void> => accounts.refresh().then(showMoney);
  // Transactions the operator view brought before the accounts were read get their owners' names.
  refresh()
    .then(() => transactions.relabel())
    .catch(() => undefined);
  // New accounts join the table and the live subscription.
  refresher = setInterval(() => void refresh().catch(() => undefined), 5000);
}

start();
