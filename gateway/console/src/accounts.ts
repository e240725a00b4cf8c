import { AccountsDocument, BalanceChangedDocument } from '@ledger/client';
import type { AccountFieldsFragment, BalanceChangedSubscription } from '@ledger/client';
import { byId, flash, h } from './dom.js';
import { formatMoney, formatTime, shortId } from './format.js';
import type { Session } from './session.js';

type Change = BalanceChangedSubscription['balanceChanged'];

const PAGE = 100;
const MAX_ACCOUNTS = 1000;
// `balanceChanged` watches 1 to 100 accounts a subscription (the gateway's MAX_WATCHED_ACCOUNTS).
const WATCHED_AT_MOST = 100;
// A subscription replaced by a wider one stays open this long after the new one is sent, so that no
// change falls between them (the gateway has the new one in place well before).
const OVERLAP_MS = 2000;

/** The sequence of a change's store position "<partition>:<sequence>": an account's changes ascend. */
const sequenceOf = (position: string): number => Number(position.slice(position.indexOf(':') + 1));

interface Row {
  account: AccountFieldsFragment;
  element: HTMLTableRowElement;
  balance: HTMLTableCellElement;
  updated: HTMLTableCellElement;
}

/**
 * The accounts table: loaded page by page, then kept live by balanceChanged subscriptions of up to 100
 * accounts each. Accounts join them in the order they were first shown, so a new account renews only the
 * last subscription; a renewed one overlaps the one it replaces, and a change both deliver counts once.
 */
export function createAccountsView(session: Session, onChange: (change: Change) => void) {
  const body = byId<HTMLTableElement>('accounts').tBodies[0]!;
  const empty = byId('accounts-empty');
  const more = byId('accounts-more');
  const rows = new Map<string, Row>();
  let totalCount = 0;
  // The subscriptions by their accounts (joined), and the last change applied to each account.
  const watches = new Map<string, AbortController>();
  const applied = new Map<string, number>();

  const render = (accounts: AccountFieldsFragment[]): void => {
    const fragment = document.createDocumentFragment();
    const listed = new Set(accounts.map((account) => account.id));
    for (const id of rows.keys()) if (!listed.has(id)) rows.delete(id);
    for (const fetched of accounts) {
      // A live change may be newer than the page just read (the page was read before it landed).
      const existing = rows.get(fetched.id);
      const newer =
        existing && (existing.account.version > fetched.version || existing.account.updatedAt > fetched.updatedAt);
      const account = newer ? existing.account : fetched;
      const balance = h('td', { className: 'num mono', text: formatMoney(account.balance) });
      const updated = h('td', { className: 'muted', text: formatTime(account.updatedAt) });
      const element = h(
        'tr',
        {},
        h('td', { text: account.owner, title: `${account.owner} · ${account.id}` }),
        h('td', { className: 'mono', text: shortId(account.id), title: account.id }),
        balance,
        h('td', {}, h('span', { className: `pill ${account.status}`, text: account.status })),
        updated,
      );
      element.dataset.accountId = account.id;
      rows.set(account.id, { account, element, balance, updated });
      fragment.append(element);
    }
    body.replaceChildren(fragment);
    empty.hidden = accounts.length > 0;
    more.hidden = accounts.length >= totalCount;
    more.textContent = `Showing the first ${accounts.length.toLocaleString()} of ${totalCount.toLocaleString()} accounts, by owner.`;
  };

  const apply = (change: Change): void => {
    const sequence = sequenceOf(change.position);
    if (sequence <= (applied.get(change.accountId) ?? -1)) return;
    applied.set(change.accountId, sequence);
    const row = rows.get(change.accountId);
    if (row) {
      // A change is one more event of the account: its version is at least one more.
      row.account = {
        ...row.account,
        balance: change.balance,
        updatedAt: change.at,
        version: row.account.version + 1,
      };
      row.balance.textContent = formatMoney(change.balance);
      row.updated.textContent = formatTime(change.at);
      flash(row.element);
    }
    onChange(change);
  };

  const subscribe = (): void => {
    const ids = [...rows.keys()];
    const wanted = new Map<string, string[]>();
    for (let start = 0; start < ids.length; start += WATCHED_AT_MOST) {
      const chunk = ids.slice(start, start + WATCHED_AT_MOST);
      wanted.set(chunk.join(','), chunk);
    }
    const replaced = [...watches].filter(([key]) => !wanted.has(key));
    for (const [key, accountIds] of wanted) {
      if (watches.has(key)) continue;
      const watch = new AbortController();
      watches.set(key, watch);
      session.follow(
        BalanceChangedDocument,
        { accountIds },
        ({ balanceChanged }) => apply(balanceChanged),
        watch.signal,
      );
    }
    for (const [key, watch] of replaced) {
      watches.delete(key);
      setTimeout(() => watch.abort(), OVERLAP_MS);
    }
  };

  return {
    /** Reads the accounts again (new ones appear) and widens the subscription to them. */
    async refresh(): Promise<void> {
      const accounts: AccountFieldsFragment[] = [];
      let after: string | null | undefined;
      do {
        const { accounts: page } = await session.request(AccountsDocument, { first: PAGE, after });
        totalCount = page.totalCount;
        accounts.push(...page.edges.map((edge) => edge.node));
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : undefined;
      } while (after && accounts.length < MAX_ACCOUNTS);
      render(accounts);
      subscribe();
    },
    get totalCount(): number {
      return totalCount;
    },
    /** Sum of the balances shown (all accounts, unless there are more than the table holds). */
    moneyHeld(): { sum: bigint; complete: boolean; counted: number } {
      let sum = 0n;
      for (const row of rows.values()) sum += BigInt(row.account.balance);
      return { sum, complete: rows.size >= totalCount, counted: rows.size };
    },
    ownerOf(id: string | null | undefined): string | undefined {
      return id ? rows.get(id)?.account.owner : undefined;
    },
  };
}
