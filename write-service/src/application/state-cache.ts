/** An aggregate's state folded up to `version`. */
export interface Loaded<State> {
  readonly state: State;
  readonly version: number;
}

/**
 * The last known state of recently used aggregates, the least recently used dropped first. An entry
 * is the fold of committed (so immutable) events, never ahead of the store, but it may be behind it
 * (another process appended): a command decides on it and its append's version check catches that;
 * anything else that reads it either asks the store for the later events or only trusts what cannot
 * go back (see `LoadOptions.cached`).
 */
export interface StateCache<State> {
  get(aggregateId: string): Loaded<State> | undefined;
  /** Keeps `loaded` unless a newer version is already known. */
  remember(aggregateId: string, loaded: Loaded<State>): void;
  /**
   * The store holds `version` of the aggregate (another process appended it): a kept state older
   * than that is marked behind until a newer one is remembered. Nothing is kept for an aggregate
   * that is not cached.
   */
  markBehind(aggregateId: string, version: number): void;
  /** Whether the kept state is known to be older than the store's (see `markBehind`). */
  isBehind(aggregateId: string): boolean;
}

export function createStateCache<State>(capacity: number): StateCache<State> {
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
  const entries = new Map<string, Loaded<State>>();
  // The versions other processes reached, for cached aggregates whose kept state is older.
  const behind = new Map<string, number>();
  return {
    get(aggregateId) {
      const loaded = entries.get(aggregateId);
      if (loaded) {
        entries.delete(aggregateId);
        entries.set(aggregateId, loaded);
      }
      return loaded;
    },
    remember(aggregateId, loaded) {
      if (capacity <= 0) return;
      const known = entries.get(aggregateId);
      if (known && known.version >= loaded.version) return;
      entries.delete(aggregateId);
      entries.set(aggregateId, loaded);
      if ((behind.get(aggregateId) ?? Infinity) <= loaded.version) behind.delete(aggregateId);
      if (entries.size > capacity) {
        const oldest = entries.keys().next().value!;
        entries.delete(oldest);
        behind.delete(oldest);
      }
    },
    markBehind(aggregateId, version) {
      const known = entries.get(aggregateId);
      if (known && known.version < version && (behind.get(aggregateId) ?? 0) < version)
        behind.set(aggregateId, version);
    },
    isBehind: (aggregateId) => behind.has(aggregateId),
  };
}

/**
 * One state cache per aggregate type, for every command handler of a process (the command service's
 * and the saga's): the state one of them leaves is where the other starts, instead of a re-read.
 */
export interface StateCaches {
  of<State>(aggregateType: string): StateCache<State>;
  /** `markBehind` on the cache of `aggregateType`; a type without a cache has nothing to mark (none is made). */
  markBehind(aggregateType: string, aggregateId: string, version: number): void;
}

export function createStateCaches(capacity: number): StateCaches {
  const caches = new Map<string, StateCache<unknown>>();
  return {
    of<State>(aggregateType: string): StateCache<State> {
      let cache = caches.get(aggregateType);
      if (!cache) caches.set(aggregateType, (cache = createStateCache<unknown>(capacity)));
      return cache as StateCache<State>;
    },
    markBehind(aggregateType, aggregateId, version) {
      caches.get(aggregateType)?.markBehind(aggregateId, version);
    },
  };
}
