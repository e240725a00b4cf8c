import { UnavailableError, formatPosition, recordSpan, sleep, tracingEnabled, untilAborted } from '@ledger/platform';
import type { EventBus, Logger, NotificationBus, PartitionTask, RecordedEvent, TraceCarrier } from '@ledger/platform';
import type { CheckpointAdvanced } from '@ledger/schema';
import { notifySubjects } from '@ledger/schema';
import type { ProjectionNotification } from '../domain/balance-projection.js';
import type { EventSource } from '../ports/event-source.js';
import type { ProjectorMetrics } from '../ports/metrics.js';
import type { CommitResult, ReadModel } from '../ports/read-model.js';
import { applyEvents } from './apply-events.js';
import { createViewCache } from './view-cache.js';

export interface ProjectorTaskOptions {
  readonly bus: EventBus;
  readonly readModel: ReadModel;
  /** The store's log, read to fill what the bus lost or skipped. */
  readonly source: EventSource;
  readonly notifications: NotificationBus;
  readonly logger?: Logger;
  /** Most events per read-model commit. */
  readonly batchSize?: number;
  /** Hears each batch committed. */
  readonly metrics?: ProjectorMetrics;
}

// A batch is redone when a rebuild swaps generations under it; more swaps than this in a row is a fault.
const MAX_GENERATION_RETRIES = 5;
// While a rebuild holds the swap lock, commits wait this long (plus jitter) and try again. The lock
// is short and expires by itself, so waits are not counted against the retries above.
const SWAP_PENDING_WAIT_MS = 10;
const SWAP_PENDING_JITTER_MS = 15;
// Documents each partition's projector keeps of those it committed, per kind (see view-cache.ts).
const VIEW_CACHE_SIZE = 1_000;

/**
 * The balance projector of one partition, run by the lease balancer while it holds the lease.
 * It catches up from the store, then follows the bus from the active generation's checkpoint.
 * Writes are guarded by position in the read model, so a worker that lost its lease and still
 * commits cannot move documents or the checkpoint back.
 */
export function createProjectorTask(options: ProjectorTaskOptions): PartitionTask {
  const { bus, readModel, source, notifications, logger } = options;
  const batchSize = options.batchSize ?? 500;

  return async ({ partition, signal }) => {
    const log = logger?.child({ worker: 'projector', partition });
    // Lives as long as this lease: the next owner starts with an empty one.
    const views = createViewCache(readModel, VIEW_CACHE_SIZE);
    // The active generation and this partition's checkpoint in it, as last read or committed (see project).
    let at: { generation: string; checkpoint: number } | undefined;

    /** Yields the events above `after` without holes, reading missing runs from the store. */
    async function* contiguous(events: readonly RecordedEvent[], after: number, until: number) {
      let expected = after + 1;
      const fill = async function* (upTo: number) {
        if (upTo < expected) return;
        log?.info({ from: expected, to: upTo }, 'reading missing events from the store');
        const request = { partitions: [partition], from: { [partition]: expected - 1 }, to: { [partition]: upTo } };
        pages: for await (const page of source.replay(request, signal)) {
          for (const event of page) {
            if (event.position.sequence < expected) continue;
            if (event.position.sequence > expected) break pages;
            expected++;
            yield event;
          }
        }
        if (expected <= upTo) {
          throw new UnavailableError(`partition ${partition}: events ${expected}..${upTo} are missing from the store`);
        }
      };
      for (const event of events) {
        const sequence = event.position.sequence;
        if (sequence < expected) continue;
        if (sequence > expected) yield* fill(sequence - 1);
        expected++;
        yield event;
      }
      yield* fill(until);
    }

    const publish = async (
      sent: readonly ProjectionNotification[],
      checkpoint: number,
      traces?: ReadonlyMap<string, TraceCarrier>,
    ): Promise<void> => {
      try {
        // In event order, so each account's subscribers see its balances in order. A notification
        // carries the trace context of the event it reports, for the gateway's push.
        for (const notification of sent) {
          if (notification.type === 'balanceChanged') {
            const { notice } = notification;
            const trace = traces?.get(notice.position);
            await notifications.publish(
              notifySubjects.balance(notice.accountId),
              trace ? { ...notice, ...trace } : notice,
            );
          } else {
            await notifications.publish(
              notifySubjects.transaction(notification.transaction.id),
              notification.transaction,
            );
          }
        }
        const advanced: CheckpointAdvanced = { partition, sequence: checkpoint };
        await notifications.publish(notifySubjects.checkpoint(partition), advanced);
      } catch (error) {
        // Notifications are fire-and-forget; the documents are committed and queries see them.
        log?.warn({ err: error }, 'notification not published');
      }
    };

    /** Records each traced event's apply span and maps positions to their trace context (tracing on only). */
    const tracesOf = (events: readonly RecordedEvent[], startedAt: number): Map<string, TraceCarrier> | undefined => {
      if (!tracingEnabled()) return undefined;
      const traces = new Map<string, TraceCarrier>();
      for (const event of events) {
        if (!event.metadata.traceparent) continue;
        const position = formatPosition(event.position);
        recordSpan('projector.apply', event.metadata, startedAt, { 'ledger.position': position });
        traces.set(position, { traceparent: event.metadata.traceparent, tracestate: event.metadata.tracestate });
      }
      return traces;
    };

    const projectOnto = async (
      generation: string,
      checkpoint: number,
      events: readonly RecordedEvent[],
      until: number,
    ): Promise<CommitResult> => {
      let chunk: RecordedEvent[] = [];
      let projected = 0;
      const flush = async (): Promise<CommitResult> => {
        projected += chunk.length;
        const started = performance.now();
        const startedAt = Date.now();
        const applied = await applyEvents(views.readModel, generation, partition, chunk, { requireActive: true });
        if (applied.result === 'committed') {
          at = { generation, checkpoint: chunk.at(-1)!.position.sequence };
          options.metrics?.batchApplied(partition, chunk.length, (performance.now() - started) / 1_000);
          await publish(applied.notifications, chunk.at(-1)!.position.sequence, tracesOf(chunk, startedAt));
        }
        chunk = [];
        return applied.result;
      };
      for await (const event of contiguous(events, checkpoint, until)) {
        chunk.push(event);
        if (chunk.length >= batchSize) {
          const result = await flush();
          if (result !== 'committed') return result;
        }
      }
      if (chunk.length > 0) return flush();
      // Everything delivered was applied already (by a rebuild that swapped in ahead of the bus, or
      // before a redelivery): say where the partition stands, for read-your-writes waiters.
      if (projected === 0 && events.length > 0) await publish([], checkpoint);
      return 'committed';
    };

    /**
     * Applies `events` (and the store's events up to `until`) to whatever generation is active. The
     * generation and the partition's checkpoint in it are read once and then kept as this projector
     * commits: it holds the partition's lease, so no one else moves that checkpoint, and a commit
     * into a generation that is no longer active is refused ('inactive-generation'), after which they
     * are read again, as after a swap lock or a failure. Should another owner overlap this one and get
     * ahead, this one applies again what the other applied: documents and checkpoints never move
     * back, and live feeds drop a change they delivered.
     */
    const project = async (events: readonly RecordedEvent[], until = 0): Promise<void> => {
      let swaps = 0;
      while (!signal.aborted) {
        if (!at) {
          const generation = await readModel.activeGeneration();
          at = { generation, checkpoint: (await readModel.checkpoints(generation))[partition] ?? 0 };
        }
        const { generation, checkpoint } = at;
        views.begin(generation, checkpoint);
        let result: CommitResult;
        try {
          result = await projectOnto(generation, checkpoint, events, until);
        } catch (error) {
          at = undefined;
          throw error;
        }
        if (result !== 'committed') at = undefined;
        switch (result) {
          case 'committed':
            return;
          case 'swap-pending':
            // A rebuild is bringing its generation up to ours; it swaps in within moments.
            await sleep(SWAP_PENDING_WAIT_MS + Math.random() * SWAP_PENDING_JITTER_MS, signal); // aborted: the loop ends
            break;
          case 'inactive-generation':
            if (++swaps >= MAX_GENERATION_RETRIES) {
              throw new UnavailableError(`partition ${partition}: the active generation keeps changing`);
            }
            log?.info({ generation }, 'generation swapped during a batch; projecting it again');
            break;
          default: {
            const unknown: never = result;
            throw new Error(`unexpected commit result ${String(unknown)}`);
          }
        }
      }
    };

    try {
      // The bus may have lost what arrived while no one ran this partition (e.g. after a restart).
      const head = (await source.heads())[partition] ?? 0;
      await project([], head);
    } catch (error) {
      if (signal.aborted) return;
      log?.warn({ err: error }, 'catch-up from the store failed; following the bus');
    }
    if (signal.aborted) return;

    const checkpoint = (await readModel.checkpoints())[partition] ?? 0;
    const subscription = await bus.subscribe(partition, checkpoint, async (events) => {
      // Without the lease the batch is left to the next owner, which starts from the checkpoint.
      if (signal.aborted) return;
      try {
        await project(events);
      } catch (error) {
        if (signal.aborted) return;
        log?.error({ err: error }, 'batch failed; the bus delivers it again');
        throw error;
      }
    });
    log?.debug({ checkpoint }, 'following the bus');
    await untilAborted(signal);
    await subscription.stop();
  };
}
