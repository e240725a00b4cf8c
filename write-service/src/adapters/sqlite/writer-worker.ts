// The writer thread of a SQLite event store (see writer-thread.ts): it owns the store's write
// connections and answers each batch with its outcomes.
import { serveRequests } from '@ledger/platform/core';
import { createStoreWriter, openStoreConnection } from './writer.js';
import type { WriteBatch, WriterOptions } from './writer.js';
import { encodeWriteOutcomes } from './writer-thread.js';
import type { EncodedWriteOutcomes } from './writer-thread.js';

serveRequests<WriterOptions, WriteBatch, EncodedWriteOutcomes>((options) => {
  const db = openStoreConnection(options.path, options.synchronous, options.busyTimeoutMs);
  const noFsyncCheckpoints = openStoreConnection(options.path, 'NORMAL', options.busyTimeoutMs);
  const writer = createStoreWriter(db, noFsyncCheckpoints);
  return {
    answer: (batch) => encodeWriteOutcomes(writer.write(batch)),
    close() {
      noFsyncCheckpoints.close();
      db.close();
    },
  };
});
