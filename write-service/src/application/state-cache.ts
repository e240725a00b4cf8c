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
}

export function createStateCache<State>(capacity: number): StateCache<State> {
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
  const entries = new Map<string, Loaded<State>>();
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
      if (entries.size > capacity) entries.delete(entries.keys().next().value!);
    },
  };
}

/**
 * One state cache per aggregate type, for every command handler of a process (the command service's
 * and the saga's): the state one of them leaves is where the other starts, instead of a re-read.
 */
export interface StateCaches {
  of<State>(aggregateType: string): StateCache<State>;
}

export function createStateCaches(capacity: number): StateCaches {
  const caches = new Map<string, StateCache<unknown>>();
  return {
    of<State>(aggregateType: string): StateCache<State> {
      let cache = caches.get(aggregateType);
      if (!cache) caches.set(aggregateType, (cache = createStateCache<unknown>(capacity)));
      return cache as StateCache<State>;
    },
  };
}
