import { ValidationError } from '@ledger/platform';
import type { Logger } from '@ledger/platform';
import { encodeEvent } from '@ledger/schema';
import type { EventStoreHandlers } from '@ledger/schema';
import type { EventStore } from '../../ports/event-store.js';
import { readStoreProgress } from '../../application/store-progress.js';
import { replayHandler, replayPagesHandler } from './replay.js';
import { unary } from './status.js';

export function eventStoreHandlers(store: EventStore, logger: Logger, replayPageSize: number): EventStoreHandlers {
  return {
    Replay: replayHandler({ store, logger, pageSize: replayPageSize }),
    ReplayPages: replayPagesHandler({ store, logger, pageSize: replayPageSize }),
    Checkpoint: unary(logger, async () => ({ heads: await store.heads() })),
    GetEvents: unary(logger, async (request) => {
      if (!request.aggregateId) throw new ValidationError('aggregate_id is required');
      const events = await store.readAggregate(request.aggregateId);
      return { events: events.map(encodeEvent) };
    }),
    Progress: unary(logger, async (request) => {
      const checkpoints: number[] = [];
      for (const [partition, sequence] of Object.entries(request.checkpoints))
        checkpoints[Number(partition)] = sequence;
      const partitions = await readStoreProgress(store, checkpoints);
      return { partitions: partitions.map((p) => ({ ...p, nextOccurredAt: p.nextOccurredAt ?? '' })) };
    }),
  };
}
