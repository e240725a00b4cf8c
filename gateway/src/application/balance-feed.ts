import { partitionOf, recordSpan, sleep, tracingEnabled } from '@ledger/platform';
import type { Logger, TraceCarrier } from '@ledger/platform';
import { notifySubjects } from '@ledger/schema';
import type { BalanceEntry, BalanceNotice, LedgerQueries } from '@ledger/schema';
import type { NotificationHub } from './notification-hub.js';

/**
 * Balance changes of one account at a time, from the balance history. Notifications are
 * fire-and-forget and can be lost, so one is taken as it is only when it provably follows what the
 * follower has (its `previousSequence`, the account's event before it, is within what the follower
 * knows): then no change of the account lies between, and the history holds the same entry. Any other
 * notification makes the follower read the history, once per change, whatever the number of
 * subscribers; a subscriber that starts from an earlier point catches up on its own first, then
 * joins the follower with no gap and no repeat. A periodic look catches what lost notifications hid.
 */
export interface BalanceFeed {
  /**
   * Calls `deliver` with every change of `accountId` after sequence `after`, in order, then with
   * each new one. Resolves once live; the result stops it.
   */
  follow(accountId: string, after: number, deliver: (entry: BalanceEntry) => void): Promise<() => void>;
  /** For each account, the sequence that following it "from now" starts after. */
  now(accountIds: readonly string[]): Promise<number[]>;
  close(): void;
}

export interface BalanceFeedOptions {
  readonly readModel: LedgerQueries;
  readonly hub: NotificationHub;
  readonly partitions: number;
  readonly logger: Logger;
  /** How often every follower looks for changes whose notification was lost. */
  readonly pollMs?: number;
}

const PAGE = 500;
// How long a subscriber catching up waits for an announced entry to become searchable (Elasticsearch
// refreshes every second by default), and how often it looks meanwhile.
const SEARCHABLE_WITHIN_MS = 5_000;
const SEARCHABLE_POLL_MS = 25;

interface Listener {
  /** Every change at or below this sequence has been delivered to it. */
  last: number;
  catchingUp: boolean;
  readonly deliver: (entry: BalanceEntry) => void;
}

interface Follower {
  readonly accountId: string;
  readonly partition: number;
  /** Every change at or below this sequence is known (and was fanned out). */
  tail: number;
  /**
   * The tail was last moved by a notice: its entry is committed, but a read model that makes
   * commits searchable a moment later (Elasticsearch between refreshes) may not show it yet.
   */
  tailAnnounced: boolean;
  readonly listeners: Set<Listener>;
  running: Promise<void> | null;
  again: boolean;
  stopListening: () => void;
  /** Trace context of changes announced but not yet fanned out, by position (tracing on only). */
  readonly traces: Map<string, TraceCarrier>;
}

const sequenceOf = (entry: BalanceEntry): number => Number(entry.position.slice(entry.position.indexOf(':') + 1));

/** A notice of `accountId` whose account had no event after `tail` before it: it can be taken as it is. */
const followsOn = (notice: Partial<BalanceNotice> | null, accountId: string, tail: number): notice is BalanceNotice =>
  typeof notice?.previousSequence === 'number' &&
  notice.previousSequence <= tail &&
  notice.accountId === accountId &&
  typeof notice.position === 'string' &&
  typeof notice.balanceAfter === 'string';

export function createBalanceFeed(options: BalanceFeedOptions): BalanceFeed {
  const { readModel, hub, partitions, logger } = options;
  const followers = new Map<string, Follower>();
  // Followers being set up: a second subscriber waits for the first one's start point.
  const starting = new Map<string, Promise<Follower>>();

  /** Reads the account's history after `after` page by page, handing each entry to `each`. */
  const readAfter = async (follower: Follower, after: number, each: (entry: BalanceEntry) => void) => {
    let from = after;
    for (;;) {
      const query = {
        partition: follower.partition,
        accountIds: [follower.accountId],
        afterSequence: from,
        first: PAGE,
      };
      const page = await readModel.balanceChanges(query);
      for (const entry of page.entries) {
        from = sequenceOf(entry);
        each(entry);
      }
      if (!page.hasNextPage || page.entries.length === 0) return;
    }
  };

  /** Hands the account's next change to the follower's live listeners and moves its tail past it. */
  const advance = (follower: Follower, entry: BalanceEntry, announced: boolean): void => {
    const sequence = sequenceOf(entry);
    if (sequence <= follower.tail) return;
    follower.tail = sequence;
    follower.tailAnnounced = announced;
    for (const listener of follower.listeners) {
      if (listener.catchingUp || sequence <= listener.last) continue;
      listener.last = sequence;
      listener.deliver(entry);
    }
    if (follower.traces.size > 0) pushed(follower, entry);
  };

  /** Brings the follower's tail up to what the history holds; runs are serialised, wakes coalesced. */
  const look = (follower: Follower): Promise<void> => {
    if (follower.running) {
      follower.again = true;
      return follower.running;
    }
    const run = async (): Promise<void> => {
      do {
        follower.again = false;
        await readAfter(follower, follower.tail, (entry) => advance(follower, entry, false));
      } while (follower.again && followers.get(follower.accountId) === follower);
    };
    follower.running = run()
      .catch((error: unknown) => logger.warn({ err: error, accountId: follower.accountId }, 'balance feed read failed'))
      .finally(() => {
        follower.running = null;
      });
    return follower.running;
  };

  /** Ends the trace of a change that was announced with one: the push to this gateway's subscribers. */
  const pushed = (follower: Follower, entry: BalanceEntry): void => {
    const trace = follower.traces.get(entry.position);
    if (!trace) return;
    follower.traces.delete(entry.position);
    const attributes = { 'ledger.account_id': follower.accountId, 'ledger.subscribers': follower.listeners.size };
    recordSpan('subscription.push', trace, Date.now(), attributes);
  };

  const followerOf = (accountId: string): Promise<Follower> => {
    const follower = followers.get(accountId);
    if (follower) return Promise.resolve(follower);
    let pending = starting.get(accountId);
    if (!pending) {
      pending = startFollower(accountId).finally(() => starting.delete(accountId));
      starting.set(accountId, pending);
    }
    return pending;
  };

  const startFollower = async (accountId: string): Promise<Follower> => {
    const partition = partitionOf(accountId, partitions);
    const created: Follower = {
      accountId,
      partition,
      tail: 0,
      tailAnnounced: false,
      listeners: new Set(),
      running: null,
      again: false,
      stopListening: () => undefined,
      traces: new Map(),
    };
    try {
      created.stopListening = await hub.listen(notifySubjects.balance(accountId), (payload) => {
        if (followers.get(accountId) !== created) return;
        const announced = payload as Partial<BalanceNotice> & TraceCarrier;
        if (tracingEnabled() && announced?.traceparent && announced.position) {
          // Bounded: a change whose entry never shows up must not pin its context forever.
          if (created.traces.size >= 1_000) created.traces.clear();
          created.traces.set(announced.position, {
            traceparent: announced.traceparent,
            tracestate: announced.tracestate,
          });
        }
        // The next change after what the follower has, and no read under way that could be behind it.
        if (!created.running && followsOn(announced, accountId, created.tail)) advance(created, announced, true);
        else void look(created);
      });
      // Everything the read model holds now is the past: a follower starts after it.
      created.tail = (await readModel.checkpoints())[partition] ?? 0;
    } catch (error) {
      created.stopListening();
      throw error;
    }
    followers.set(accountId, created);
    return created;
  };

  const timer = setInterval(() => {
    for (const follower of followers.values()) void look(follower);
  }, options.pollMs ?? 1_000);
  timer.unref();

  return {
    async follow(accountId, after, deliver) {
      const follower = await followerOf(accountId);
      const listener: Listener = { last: after, catchingUp: true, deliver };
      follower.listeners.add(listener);
      const stop = (): void => {
        follower.listeners.delete(listener);
        if (follower.listeners.size === 0 && followers.get(accountId) === follower) {
          followers.delete(accountId);
          follower.stopListening();
        }
      };
      try {
        // Catch up from the history while the follower moves on; join it once level with it (the
        // check and the join happen in one turn, so nothing the follower fans out falls between).
        const patience = Date.now() + SEARCHABLE_WITHIN_MS;
        while (listener.last < follower.tail) {
          const target = follower.tail;
          const announced = follower.tailAnnounced;
          await readAfter(follower, listener.last, (entry) => {
            const sequence = sequenceOf(entry);
            if (sequence <= listener.last) return;
            listener.last = sequence;
            deliver(entry);
          });
          if (listener.last >= target) continue;
          // A notice put the tail at an entry the history does not show yet: look again shortly.
          if (announced && Date.now() < patience) {
            await sleep(SEARCHABLE_POLL_MS);
            continue;
          }
          // Nothing more below the tail the history held: the listener has all of it.
          listener.last = target;
        }
        listener.catchingUp = false;
      } catch (error) {
        stop();
        throw error;
      }
      return stop;
    },
    async now(accountIds) {
      const heads = await readModel.checkpoints();
      return accountIds.map((id) => heads[partitionOf(id, partitions)] ?? 0);
    },
    close() {
      clearInterval(timer);
      for (const follower of followers.values()) follower.stopListening();
      followers.clear();
    },
  };
}
