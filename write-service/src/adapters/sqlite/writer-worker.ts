// The writer thread of a SQLite event store (see writer-thread.ts): it owns the store's write
// connections and answers each batch with its outcomes.
import { parentPort, workerData } from 'node:worker_threads';
import { createStoreWriter, openStoreConnection } from './writer.js';
import type { WriterOptions } from './writer.js';
import { encodeError, encodeOutcomes } from './writer-thread.js';
import type { WriterReply, WriterRequest } from './writer-thread.js';

const options = workerData as WriterOptions;
const db = openStoreConnection(options.path, options.synchronous, options.busyTimeoutMs);
const noFsyncCheckpoints = openStoreConnection(options.path, 'NORMAL', options.busyTimeoutMs);
const writer = createStoreWriter(db, noFsyncCheckpoints);

parentPort!.on('message', (message: string) => {
  if (message === 'close') {
    noFsyncCheckpoints.close();
    db.close();
    parentPort!.close();
    return;
  }
  const { id, batch } = JSON.parse(message) as WriterRequest;
  let reply: WriterReply;
  try {
    reply = { id, outcomes: encodeOutcomes(writer.write(batch)) };
  } catch (error) {
    reply = { id, failed: encodeError(error) };
  }
  parentPort!.postMessage(JSON.stringify(reply));
});
