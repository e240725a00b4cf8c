import type { Logger, NotificationBus, Subscription } from '@ledger/platform';

export type NotificationListener = (payload: unknown, subject: string) => void;

/**
 * One bus subscription per subject family (`ledger.notify.balance.*`, `...transaction.*`,
 * `...checkpoint.*`), fanned out in process to any number of listeners. Waiting mutations and
 * GraphQL subscriptions come and go by the thousand; the bus only sees three subscriptions.
 */
export interface NotificationHub {
  /**
   * Calls `listener` for every notification on `subject` (an exact subject, or a family with a
   * trailing `*`). Resolves once the bus subscription is in place; the result stops listening.
   */
  listen(subject: string, listener: NotificationListener): Promise<() => void>;
  close(): Promise<void>;
}

interface Family {
  readonly subscription: Promise<Subscription>;
  readonly exact: Map<string, Set<NotificationListener>>;
  readonly wildcard: Set<NotificationListener>;
}

export function createNotificationHub(options: { bus: NotificationBus; logger: Logger }): NotificationHub {
  const { bus, logger } = options;
  const families = new Map<string, Family>();
  let closed = false;

  const familyOf = (subject: string): string => [...subject.split('.').slice(0, -1), '*'].join('.');

  const dispatch = (family: Family, subject: string, payload: unknown): void => {
    const listeners = [...(family.exact.get(subject) ?? []), ...family.wildcard];
    for (const listener of listeners) {
      try {
        listener(payload, subject);
      } catch (error) {
        logger.warn({ err: error, subject }, 'a notification listener failed');
      }
    }
  };

  const familyFor = (pattern: string): Family => {
    let family = families.get(pattern);
    if (!family) {
      const created: Family = {
        exact: new Map(),
        wildcard: new Set(),
        // The bus delivers only subjects that match the pattern (its contract suite holds every bus to it).
        subscription: bus.subscribe(pattern, (subject, payload) => dispatch(created, subject, payload)),
      };
      // A failed subscribe is retried by the next listener rather than cached.
      created.subscription.catch(() => {
        if (families.get(pattern) === created) families.delete(pattern);
      });
      families.set(pattern, (family = created));
    }
    return family;
  };

  return {
    async listen(subject, listener) {
      if (closed) throw new Error('notification hub is closed');
      const pattern = familyOf(subject);
      const family = familyFor(pattern);
      const isWildcard = subject === pattern;
      let set = isWildcard ? family.wildcard : family.exact.get(subject);
      if (!set) family.exact.set(subject, (set = new Set()));
      const entry: NotificationListener = (payload, s) => listener(payload, s);
      set.add(entry);
      const stop = (): void => {
        set.delete(entry);
        if (!isWildcard && set.size === 0 && family.exact.get(subject) === set) family.exact.delete(subject);
      };
      try {
        await family.subscription;
      } catch (error) {
        stop();
        throw error;
      }
      return stop;
    },

    async close() {
      closed = true;
      const subscriptions = [...families.values()].map((family) => family.subscription);
      families.clear();
      await Promise.all(subscriptions.map((pending) => pending.then((s) => s.stop()).catch(() => undefined)));
    },
  };
}
