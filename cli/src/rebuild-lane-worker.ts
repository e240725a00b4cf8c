// A rebuild's lane (rebuild-lane.ts): copies the partitions it claims into the generation, with
// connections of its own, and tells the rebuild of each commit.
import { parentPort, workerData } from 'node:worker_threads';
import { IllegalStateError, encodeError, nameThisThread } from '@ledger/platform/core';
import {
  claimedPages,
  copyPages,
  createInProcessEventSource,
  openSqliteReadModel,
  partitionClaims,
} from '@ledger/projector/sqlite';
import { createSqliteEventStore, replayEvents } from '@ledger/write-service/sqlite';
import type { LaneMessage, LaneThreadData } from './rebuild-lane.js';

const { storePath, readModelPath, partitions, pageSize, generation, to, claims, batchSize } =
  workerData as LaneThreadData;
const port = parentPort!;
nameThisThread('ledger-rebuild');
const tell = (message: LaneMessage) => port.postMessage(message);

const store = createSqliteEventStore({ path: storePath, partitions });
// It commits only: the purge of dropped generations stays with the read model that serves.
const { readModel } = openSqliteReadModel({ path: readModelPath, partitions }, { committer: true });
const source = createInProcessEventSource({
  replay: (request) => replayEvents(store, request, pageSize),
  heads: () => store.heads(),
  // A lane only replays; the rebuild asks the rest on the event loop.
  progress: () => Promise.reject(new IllegalStateError("a rebuild's lane reads pages only")),
});
try {
  const pages = claimedPages(source, to, partitionClaims(to.length, claims));
  tell({ done: await copyPages(readModel, generation, pages, batchSize, (committed) => tell({ committed })) });
} catch (error) {
  tell({ failed: encodeError(error) });
} finally {
  await readModel.close();
  await store.close();
}
