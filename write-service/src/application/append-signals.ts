import { randomUUID } from 'node:crypto';
import type { Logger, NotificationBus, Subscription } from '@ledger/platform';
import { notifySubjects } from '@ledger/schema';
import type { PartitionsAppended } from '@ledger/schema';
import type { EventStore } from '../ports/event-store.js';
import { createPartitionListeners } from './partition-listeners.js';

export interface SharedAppendSignals {
  /** The store, whose `onAppend` also hears the appends of the other processes on the bus. */
  readonly store: EventStore;
  stop(): Promise<void>;
}

/**
 * A store's `onAppend` only hears the appends made through that handle, so where several write
 * services share one store, a partition's saga and forwarder saw another process's append only at
 * their next poll (up to 250 ms a hop). This announces the partitions of each turn's local appends on
 * the notification bus (one message a turn, named by this handle's origin so that it does not wake
 * itself twice) and wakes the local workers for the others'. Notices may be lost; the poll stays.
 */
export async function shareAppendSignals(options: {
  readonly store: EventStore;
  readonly notifications: NotificationBus;
  readonly logger: Logger;
  /** Shortest time between two wakes of a partition's workers by other processes' notices. */
  readonly wakeEveryMs?: number;
}): Promise<SharedAppendSignals> {
  const { store, notifications, logger } = options;
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
    for (const partition of notice.partitions) {
      if (Number.isInteger(partition) && partition >= 0 && partition < store.partitions) wakeSoon(partition);
    }
  });

  let pending = new Set<number>();
  const announce = (): void => {
    const notice: PartitionsAppended = { origin, partitions: [...pending] };
    pending = new Set();
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
