import { createSqliteEventStore, readStoreProgress, replayEvents } from '@ledger/write-service';
import { countingReads, defineEventSourceContract } from '../../ports/event-source.contract.js';
import { createInProcessEventSource } from './event-source.js';

defineEventSourceContract('in-process', async (pageSize) => {
  const store = createSqliteEventStore({ path: ':memory:', partitions: 4, synchronous: 'NORMAL' });
  const counted = countingReads(store);
  const source = createInProcessEventSource({
    replay: (request) => replayEvents(counted.store, request, pageSize),
    heads: () => store.heads(),
    progress: (checkpoints) => readStoreProgress(store, checkpoints),
  });
  return {
    store,
    source,
    reads: counted.reads,
    async stop() {
      await source.close();
      await store.close();
    },
  };
});
