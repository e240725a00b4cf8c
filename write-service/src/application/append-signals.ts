import { randomUUID } from 'node:crypto';
import type { Logger, NotificationBus, Subscription } from '@ledger/platform';
import { notifySubjects } from '@ledger/schema';
import type { PartitionsAppended } from '@ledger/schema';
import type { EventStore } from '../ports/event-store.js';
import { createPartitionListeners } from './partition-listeners.js';
import type { StateCaches } from './state-cache.js';

export interface SharedAppendSignals {
  /** The store, whose `onAppend` also hears the appends of the other processes on the bus. */
  readonly store: EventStore;
  stop(): Promise<void>;
}

/** Most aggregates one notice names; a turn that changed more names none (the version checks stay). */
const MAX_NOTICE_AGGREGATES = 1_000;

/**
 * A store's `onAppend` only hears the appends made through that handle, so where several write
 * services share one store, a partition's saga and forwarder saw another process's append only at
 * their next poll (up to 250 ms a hop). This announces the partitions of each turn's local appends on
 * the notification bus (one message a turn, named by this handle's origin so that it does not wake
 * itself twice) and wakes the local workers for the others'. Notices may be lost; the poll stays.
 *
 * A notice also names the aggregates the turn changed and the version each reached, and `caches`
 * (this process's state caches) marks what it kept of them as behind: the next command on one reads
 * the events after its kept state before deciding, instead of deciding on a stale state that the
 * append's version check then refuses. The saga's steps of two write services meet on the same
 * accounts, so without this about two in five of an account's appends were refused and decided again.
 */
export async function shareAppendSignals(options: {
  readonly store: EventStore;
  readonly notifications: NotificationBus;
  readonly logger: Logger;
  /** Shortest time between two wakes of a partition's workers by other processes' notices. */
  readonly wakeEveryMs?: number;
  readonly caches?: StateCaches;
}): Promise<SharedAppendSignals> {
  const { store, notifications, logger, caches } = options;
  const wakeEveryMs = options.wakeEveryMs ?? 20;
  const origin = randomUUID();
  const listeners = createPartitionListeners((error) => logger.warn({ err: error }, 'append listener failed'));
  // A remote notice wakes a partition's workers at most once per `wakeEveryMs`; one that comes sooner
  // is kept for the end of that time. Each wake is a read of the shared file and, after it, a
  // checkpoint: woken for every notice, the workers ran in such small batches that the distributed
  // bench spent 8.56 ms of CPU a deposit, against 6.5 to 6.7 ms before the notices (7.3 to 9.2 with this).
  const lastWake = new Map<number, number>();
  const later = new Map<number, NodeJS.Timeout>();
  const wakeSoon = (partition: number): void => {
    if (later.has(partition)) return;
    const wait = (lastWake.get(partition) ?? -Infinity) + wakeEveryMs - performance.now();
    const now = (): void => {
      later.delete(partition);
      lastWake.set(partition, performance.now());
      listeners.wake(partition);
    };
    if (wait <= 0) now();
    else later.set(partition, setTimeout(now, wait));
  };
  const subscription: Subscription = await notifications.subscribe(notifySubjects.appended, (_subject, payload) => {
    if (typeof payload !== 'object' || payload === null) return; // not a notice: nothing to wake
    const notice = payload as Partial<PartitionsAppended>;
    if (notice.origin === origin || !Array.isArray(notice.partitions)) return;
    if (caches && Array.isArray(notice.aggregates)) {
      for (const named of notice.aggregates as unknown[]) {
        if (!Array.isArray(named)) continue;
        const [type, id, version] = named as unknown[];
        if (typeof type === 'string' && typeof id === 'string' && Number.isInteger(version)) {
          caches.markBehind(type, id, version as number);
        }
      }
    }
    for (const partition of notice.partitions) {
      if (Number.isInteger(partition) && partition >= 0 && partition < store.partitions) wakeSoon(partition);
    }
  });

  let pending = new Set<number>();
  // The version each aggregate reached in this turn's appends, by type and id.
  let changed = new Map<string, readonly [string, string, number]>();
  const announce = (): void => {
    const aggregates = changed.size <= MAX_NOTICE_AGGREGATES ? [...changed.values()] : undefined;
    const notice: PartitionsAppended = { origin, partitions: [...pending], ...(aggregates && { aggregates }) };
    pending = new Set();
    changed = new Map();
    notifications.publish(notifySubjects.appended, notice).catch((error: unknown) => {
      logger.debug({ err: error }, 'could not announce appends; other processes will poll');
    });
  };
  const unwatch = store.onAppend((partition) => {
    if (pending.size === 0) setImmediate(announce); // the partitions of one turn's commits go in one message
    pending.add(partition);
  });

  return {
    store: {
      ...store,
      async append(request) {
        const result = await store.append(request);
        if (result.status !== 'appended') return result;
        // The follow-up's aggregate changed too (AppendRequest.followedBy), when it was appended.
        const followedBy = result.followedBy?.status === 'appended' ? result.followedBy.events : [];
        for (const events of [result.events, followedBy]) {
          const last = events.at(-1);
          if (last)
            changed.set(`${last.aggregateType}\n${last.aggregateId}`, [
              last.aggregateType,
              last.aggregateId,
              last.version,
            ]);
        }
        return result;
      },
      onAppend(listener) {
        const local = store.onAppend(listener);
        const remote = listeners.add(listener);
        return () => {
          local();
          remote();
        };
      },
    },
    async stop() {
      unwatch();
      for (const timer of later.values()) clearTimeout(timer);
      later.clear();
      await subscription.stop();
    },
  };
}
