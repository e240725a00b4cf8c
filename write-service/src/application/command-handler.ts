import {
  ConcurrencyError,
  UnavailableError,
  createSerialQueues,
  currentTraceCarrier,
  sleep,
  traced,
} from '@ledger/platform';
import type { EventMetadata, Logger, RecordedEvent } from '@ledger/platform';
import type { AppendRequest, EventStore, FollowUpResult, IdempotencyRecord } from '../ports/event-store.js';
import type { WriteMetrics } from '../ports/metrics.js';
import type { Aggregate } from './aggregates.js';
import { timeOrderedId } from './ids.js';
import { createStateCache } from './state-cache.js';
import type { Loaded, StateCaches } from './state-cache.js';

export type { Loaded } from './state-cache.js';

export interface CommandHandlerOptions {
  readonly store: EventStore;
  readonly now?: () => Date;
  readonly newId?: () => string;
  /** Save a snapshot each time the version crosses a multiple of this (0: never). */
  readonly snapshotEvery?: number;
  /** Attempts against fresh state when another writer got there first. */
  readonly maxAttempts?: number;
  /** Aggregates whose last state is kept in memory, so a load reads only the events after it (0: none). */
  readonly cacheSize?: number;
  /** Caches shared with the process's other handlers (then `cacheSize` is theirs); one per handler by default. */
  readonly caches?: StateCaches;
  readonly logger?: Logger;
  /** Hears concurrency retries and idempotent replays. */
  readonly metrics?: Pick<WriteMetrics, 'concurrencyRetried' | 'idempotentReplayed'>;
}

export interface HandleOptions {
  /** Written atomically with the events; a recorded key returns the first outcome instead. */
  readonly idempotency?: { readonly key: string; readonly fingerprint: string };
  readonly metadata?: EventMetadata;
  /**
   * The aggregate's id was just made (a random id): the command is decided on the initial state
   * without a read; the append, expecting version 0, checks that nothing is there.
   */
  readonly created?: boolean;
  /** Another handler's command to append right after this one's events (see `prepare`). */
  readonly followedBy?: FollowUp;
}

/**
 * A command decided to follow another's append (AppendRequest.followedBy), prepared by its own
 * handler. `appended` says, once the lead's handle is over, whether it was: if not (the lead recorded
 * nothing new, or the follow-up found its aggregate moved on), the caller runs the command by itself.
 */
export interface FollowUp {
  readonly request: AppendRequest;
  readonly appended: boolean;
  /** Hears what became of it (the lead's handler calls this once). */
  settle(outcome: FollowUpResult | undefined): void;
}

export type HandleResult<State> =
  | { readonly status: 'appended'; readonly events: readonly RecordedEvent[]; readonly state: State }
  /** The key was recorded before: `events` are the ones that command wrote; nothing new was. */
  | { readonly status: 'duplicate'; readonly events: readonly RecordedEvent[]; readonly fingerprint: string };

export type Duplicate = Extract<HandleResult<unknown>, { status: 'duplicate' }>;

export interface LoadOptions {
  /**
   * Take a cached state as it is, without asking the store for later events: for what only ever
   * moves one way (an account that exists, a transaction that is no longer pending), or what the
   * caller checks again (a decision whose append carries the version).
   */
  readonly cached?: boolean;
}

export interface CommandHandler<Command, State> {
  load(aggregateId: string, options?: LoadOptions): Promise<Loaded<State>>;
  /** The outcome of the command that recorded this idempotency key, or null if none did. */
  recorded(key: string): Promise<Duplicate | null>;
  handle(aggregateId: string, command: Command, options?: HandleOptions): Promise<HandleResult<State>>;
  /**
   * Decides `command` on the aggregate's kept state (no read when it is cached, as a first attempt
   * does), to be appended after another command's events; null when it would append nothing or
   * is refused: the caller then runs it with `handle`, which answers as usual.
   */
  prepare(aggregateId: string, command: Command, options?: HandleOptions): Promise<FollowUp | null>;
}

/** What an idempotency record points at: the events its command appended. */
interface RecordedOutcome {
  readonly aggregateId: string;
  readonly fromVersion: number;
  readonly toVersion: number;
}

/**
 * Runs commands against one aggregate type: load (cached state, or snapshot + later events), decide,
 * append at the loaded version. Commands on one aggregate take turns within the handler; a version
 * conflict means another writer (handler or process) got there first, so the command is decided
 * again on fresh state, a bounded number of times with jittered backoff.
 */
export function createCommandHandler<Command, State, Event>(
  aggregate: Aggregate<Command, State, Event>,
  options: CommandHandlerOptions,
): CommandHandler<Command, State> {
  const { store } = options;
  const { decider } = aggregate;
  const now = options.now ?? (() => new Date());
  // Time-ordered (UUIDv7): a batch's events land together at the end of the store's event id index.
  const newId = options.newId ?? timeOrderedId;
  const snapshotEvery = options.snapshotEvery ?? 100;
  const maxAttempts = options.maxAttempts ?? 20;
  const cache = options.caches?.of<State>(aggregate.type) ?? createStateCache<State>(options.cacheSize ?? 5_000);
  // Commands on one aggregate take turns: run together they would load the same version and all but
  // one would fail at append (appends of one event-loop turn commit together) and retry after a
  // backoff; queued, each decides on the state the previous one left.
  const turns = createSerialQueues<string>();

  const fromSnapshot = async (aggregateId: string): Promise<Loaded<State>> => {
    const snapshot = await store.loadSnapshot(aggregateId);
    if (snapshot && snapshot.aggregateType === aggregate.type) {
      return { state: aggregate.decodeState(snapshot.state), version: snapshot.version };
    }
    return { state: decider.initialState(), version: 0 };
  };

  const load = async (aggregateId: string, loadOptions: LoadOptions = {}): Promise<Loaded<State>> => {
    const cached = cache.get(aggregateId);
    // Known to be behind the store (another process appended): read forward before deciding on it.
    if (cached && loadOptions.cached && !cache.isBehind(aggregateId)) return cached;
    let { state, version } = cached ?? (await fromSnapshot(aggregateId));
    for (const event of await store.readAggregate(aggregateId, version)) {
      // The store validated the data against the event type when it was appended.
      state = decider.evolve(state, event as unknown as Event);
      version = event.version;
    }
    // Aggregates that do not exist (yet) are not kept: unknown ids must not push real ones out.
    if (version > 0) cache.remember(aggregateId, { state, version });
    return { state, version };
  };

  const duplicate = async (record: IdempotencyRecord): Promise<Duplicate> => {
    const outcome = JSON.parse(record.result) as RecordedOutcome;
    const events = (await store.readAggregate(outcome.aggregateId, outcome.fromVersion - 1)).filter(
      (event) => event.version <= outcome.toVersion,
    );
    return { status: 'duplicate', events, fingerprint: record.fingerprint };
  };

  const recorded = async (key: string): Promise<Duplicate | null> => {
    const record = await store.findIdempotency(key);
    return record && duplicate(record);
  };

  const snapshotIfDue = async (aggregateId: string, from: number, state: State, to: number): Promise<void> => {
    if (snapshotEvery <= 0 || Math.floor(to / snapshotEvery) === Math.floor(from / snapshotEvery)) return;
    const snapshot = { aggregateId, aggregateType: aggregate.type, version: to, state: aggregate.encodeState(state) };
    // A snapshot is only a shortcut: failing to save one must not fail the command.
    await store.saveSnapshot(snapshot).catch((error: unknown) => {
      options.logger?.warn({ err: error, aggregateId }, 'saving a snapshot failed');
    });
  };

  const spanNameOf = (command: Command): string =>
    `${aggregate.type}.${(command as { type?: string }).type ?? 'command'}`;

  const metadataOf = ({ idempotency, metadata: given }: HandleOptions): EventMetadata => {
    // A literal that starts with a spread takes V8's slow path as soon as it adds a key the source
    // lacks (`{ ...a, ...b }`, or `{ ...a, x }` without `x` in `a`); keys first, or one spread alone, do not.
    const metadata: EventMetadata = idempotency ? { idempotencyKey: idempotency.key, ...given } : { ...given };
    const carrier = currentTraceCarrier();
    if (carrier) Object.assign(metadata, carrier);
    return metadata;
  };

  /** The append of `decided` on `version`, with what the caller asked to record beside it. */
  const appendRequestOf = (
    aggregateId: string,
    version: number,
    decided: readonly Event[],
    metadata: EventMetadata,
    handleOptions: HandleOptions,
  ): AppendRequest => {
    const { idempotency, followedBy } = handleOptions;
    const occurredAt = now().toISOString();
    const outcome: RecordedOutcome = { aggregateId, fromVersion: version + 1, toVersion: version + decided.length };
    return {
      aggregateType: aggregate.type,
      aggregateId,
      expectedVersion: version,
      events: decided.map((event) => {
        const { type, data } = event as unknown as { type: string; data: unknown };
        return { eventId: newId(), type, data, metadata, occurredAt };
      }),
      idempotency: idempotency && {
        key: idempotency.key,
        fingerprint: idempotency.fingerprint,
        result: JSON.stringify(outcome),
      },
      followedBy: followedBy?.request,
    };
  };

  /** `state` with `events` (just recorded on top of it) folded in, kept for the next command. */
  const rememberAfter = (aggregateId: string, state: State, events: readonly RecordedEvent[]): State => {
    const next = events.reduce((s, event) => decider.evolve(s, event as unknown as Event), state);
    const last = events.at(-1);
    if (last) cache.remember(aggregateId, { state: next, version: last.version });
    return next;
  };

  const prepareNow = async (
    aggregateId: string,
    command: Command,
    handleOptions: HandleOptions,
  ): Promise<FollowUp | null> => {
    const { state, version } = await load(aggregateId, { cached: true });
    let decided: readonly Event[];
    try {
      decided = decider.decide(command, state);
    } catch {
      return null;
    }
    if (decided.length === 0) return null;
    const request = appendRequestOf(aggregateId, version, decided, metadataOf(handleOptions), handleOptions);
    let appended = false;
    return {
      request,
      get appended() {
        return appended;
      },
      settle(outcome) {
        if (outcome?.status !== 'appended') return;
        appended = true;
        rememberAfter(aggregateId, state, outcome.events);
      },
    };
  };

  const decideAndAppend = async (
    aggregateId: string,
    command: Command,
    handleOptions: HandleOptions,
  ): Promise<HandleResult<State>> => {
    const { idempotency } = handleOptions;
    // A keyed command that was recorded before is answered with that outcome. Its append finds the
    // key (the store checks it before anything else), and a refusal or a no-op, which never gets
    // there, looks it up: decided again on the state it changed, a repeated step may well refuse.
    const repeated = async (): Promise<Duplicate | null> => {
      const found = idempotency ? await recorded(idempotency.key) : null;
      if (found) options.metrics?.idempotentReplayed(aggregate.type);
      return found;
    };
    const metadata = metadataOf(handleOptions);
    for (let attempt = 1; ; attempt++) {
      // The first attempt decides on the cached state: if another handler or process appended
      // since, the append's version check refuses it and the next attempt reads the store. A
      // refusal or a no-op is only an answer once decided on what the store holds.
      let { state, version } =
        attempt === 1 && handleOptions.created
          ? { state: decider.initialState(), version: 0 }
          : await load(aggregateId, { cached: attempt === 1 });
      let decided: readonly Event[];
      try {
        try {
          decided = decider.decide(command, state);
        } catch (error) {
          const fresh = await load(aggregateId);
          if (fresh.version === version) throw error;
          ({ state, version } = fresh);
          decided = decider.decide(command, state);
        }
        if (decided.length === 0 && attempt === 1) {
          const fresh = await load(aggregateId);
          if (fresh.version !== version) {
            ({ state, version } = fresh);
            decided = decider.decide(command, state);
          }
        }
      } catch (refusal) {
        const earlier = await repeated();
        if (earlier) return earlier;
        throw refusal;
      }
      if (decided.length === 0) return (await repeated()) ?? { status: 'appended', events: [], state };
      const request = appendRequestOf(aggregateId, version, decided, metadata, handleOptions);
      try {
        const result = await traced('eventStore.append', { attributes: { 'ledger.aggregate_id': aggregateId } }, () =>
          store.append(request),
        );
        if (result.status === 'duplicate') {
          options.metrics?.idempotentReplayed(aggregate.type);
          return duplicate(result.record);
        }
        handleOptions.followedBy?.settle(result.followedBy);
        const next = rememberAfter(aggregateId, state, result.events);
        await snapshotIfDue(aggregateId, version, next, version + decided.length);
        return { status: 'appended', events: result.events, state: next };
      } catch (error) {
        if (!(error instanceof ConcurrencyError)) throw error;
        options.metrics?.concurrencyRetried(aggregate.type);
        if (attempt >= maxAttempts) {
          throw new UnavailableError(
            `${aggregate.type} ${aggregateId} kept changing: gave up after ${attempt} attempts, try again`,
          );
        }
        await sleep(Math.random() * Math.min(200, 2 ** attempt));
      }
    }
  };

  return {
    load,
    recorded,
    // The command's span is its decision: its append is the lead's.
    prepare: (aggregateId, command, handleOptions = {}) =>
      traced(
        spanNameOf(command),
        { attributes: { 'ledger.aggregate_id': aggregateId, 'ledger.follow_up': true } },
        () => prepareNow(aggregateId, command, handleOptions),
      ),
    handle: (aggregateId, command, handleOptions = {}) =>
      turns.run(aggregateId, () =>
        traced(spanNameOf(command), { attributes: { 'ledger.aggregate_id': aggregateId } }, () =>
          decideAndAppend(aggregateId, command, handleOptions),
        ),
      ),
  };
}
