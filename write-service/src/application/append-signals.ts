import { randomUUID } from 'node:crypto';
import type { Logger, NotificationBus, Subscription } from '@ledger/platform';
import { notifySubjects } from '@ledger/schema';
import type { PartitionsAppended } from '@ledger/schema';
import type { EventStore } from '../ports/event-store.js';

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
}): Promise<SharedAppendSignals> {
  const { store, notifications, logger } = options;
  const origin = randomUUID();
  const listeners = new Set<(partition: number) => void>();

  const wake = (partition: number): void => {
    for (const listener of [...listeners]) {
      try {
        listener(partition);
      } catch (error) {
        logger.warn({ err: error }, 'append listener failed');
      }
    }
  };
  const subscription: Subscription = await notifications.subscribe(notifySubjects.appended, (_subject, payload) => {
    const notice = payload as Partial<PartitionsAppended>;
    if (notice.origin === origin || !Array.isArray(notice.partitions)) return;
    for (const partition of notice.partitions) {
      if (Number.isInteger(partition) && partition >= 0 && partition < store.partitions) wake(partition);
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
        listeners.add(listener);
        return () => {
          local();
          listeners.delete(listener);
        };
      },
    },
    async stop() {
      unwatch();
      await subscription.stop();
    },
  };
}
