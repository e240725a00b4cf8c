import { createSqliteEventStore, readStoreProgress, replayPages } from '@ledger/write-service';
import type { EventStore } from '@ledger/write-service';
import { defineEventSourceContract } from '../../ports/event-source.contract.js';
import { createInProcessEventSource } from './event-source.js';

defineEventSourceContract('in-process', async (pageSize) => {
  const store = createSqliteEventStore({ path: ':memory:', partitions: 4, synchronous: 'NORMAL' });
  let reads = 0;
  const counted: EventStore = {
    ...store,
    readPartitionWire: (partition, afterSequence, limit) => {
      reads++;
      return store.readPartitionWire(partition, afterSequence, limit);
    },
  };
  const source = createInProcessEventSource({
    replayPages: (request) => replayPages(counted, request, pageSize),
    heads: () => store.heads(),
    progress: (checkpoints) => readStoreProgress(store, checkpoints),
  });
  return {
    store,
    source,
    reads: () => reads,
    async stop() {
      await source.close();
      await store.close();
    },
  };
});
