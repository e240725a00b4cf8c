import { decodeOutcomes, encodeOutcomes, startRequestThread } from '@ledger/platform/core';
import type { EncodedOutcome, Outcome } from '@ledger/platform/core';
import type { WriteBatch, WriteOutcomes, WriterOptions } from './writer.js';

type ResultOf<Outcomes> = Outcomes extends Outcome<infer Result>[] ? Result : never;
/** Outcomes as they cross from the thread. */
export type EncodedWriteOutcomes = {
  readonly [Part in keyof WriteOutcomes]: EncodedOutcome<ResultOf<WriteOutcomes[Part]>>[];
};

export const encodeWriteOutcomes = (outcomes: WriteOutcomes): EncodedWriteOutcomes => ({
  appends: encodeOutcomes(outcomes.appends),
  snapshots: encodeOutcomes(outcomes.snapshots),
  checkpoints: encodeOutcomes(outcomes.checkpoints),
});
const decodeWriteOutcomes = (outcomes: EncodedWriteOutcomes): WriteOutcomes => ({
  appends: decodeOutcomes(outcomes.appends),
  snapshots: decodeOutcomes(outcomes.snapshots),
  checkpoints: decodeOutcomes(outcomes.checkpoints),
});

export interface WriterThread {
  write(batch: WriteBatch): Promise<WriteOutcomes>;
  close(): Promise<void>;
}

/**
 * The store's writes on a thread of their own: the commit and its fsync never hold up the event loop,
 * which meanwhile gathers the next batch. The thread has the store's write connections; the caller
 * keeps its own connection for reads, which see a batch once its commit (and sync) is done.
 */
export function startWriterThread(options: WriterOptions): WriterThread {
  const thread = startRequestThread<WriteBatch, EncodedWriteOutcomes>(
    new URL('./writer-worker.js', import.meta.url),
    options,
    "the store's writer thread",
    'ledger-writer',
  );
  return {
    write: async (batch) => decodeWriteOutcomes(await thread.request(batch)),
    close: () => thread.close(),
  };
}
