import { recordSpan } from '@ledger/platform';
import type { EventBus, Logger, PartitionTask } from '@ledger/platform';
import type { EventStore } from '../ports/event-store.js';
import type { WriteMetrics } from '../ports/metrics.js';
import { createPartitionWorker } from './partition-worker.js';

export interface ForwarderOptions {
  readonly store: EventStore;
  readonly bus: EventBus;
  readonly batchSize?: number;
  /** How often to look for appends made by other processes. */
  readonly pollMs?: number;
  readonly logger?: Logger;
  /** Hears each batch published. */
  readonly metrics?: Pick<WriteMetrics, 'eventsForwarded'>;
}

export const FORWARDER_WORKER = 'forwarder';

/**
 * Moves a partition's committed events, in order, from the store onto the bus. The checkpoint
 * advances only after a publish, so a crash republishes (at-least-once; consumers apply by
 * position), and it is fenced by the lease token so a worker that lost its lease stops.
 */
export function createForwarderTask(options: ForwarderOptions): PartitionTask {
  const { store, bus } = options;

  /**
   * After the checkpoint, or after what the bus already holds when that is further (a checkpoint
   * lost to a crash right after a publish). A bus ahead of the store's head holds another history
   * (e.g. a wiped data directory): it is ignored, loudly.
   */
  const resumePoint = async (partition: number): Promise<number> => {
    const checkpoint = await store.getCheckpoint(FORWARDER_WORKER, partition);
    const onBus = await bus.lastSequence(partition);
    if (onBus <= checkpoint) return checkpoint;
    const head = (await store.heads())[partition] ?? 0;
    if (onBus <= head) return onBus;
    options.logger?.warn(
      { partition, onBus, head },
      'the bus holds events beyond the store head; resuming from the checkpoint',
    );
    return checkpoint;
  };

  return createPartitionWorker({
    store,
    worker: FORWARDER_WORKER,
    batchSize: options.batchSize ?? 500,
    pollMs: options.pollMs ?? 250,
    logger: options.logger,
    resumeAfter: resumePoint,
    process: (batches) =>
      batches.map(async ({ partition, events }) => {
        const started = performance.now();
        const startedAt = Date.now();
        await bus.publish(partition, events);
        options.metrics?.eventsForwarded(partition, events.length, (performance.now() - started) / 1_000);
        for (const event of events) {
          recordSpan('forwarder.publish', event.metadata, startedAt, {
            'ledger.position': `${partition}:${event.position.sequence}`,
          });
        }
        return events.at(-1)!.position.sequence;
      }),
  });
}
