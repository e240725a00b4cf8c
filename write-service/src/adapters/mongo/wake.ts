import type { ChangeStream, Collection, Timestamp } from 'mongodb';
import type { Logger } from '@ledger/platform';
import type { AppendSignal } from './append-signal.js';
import type { EventDocument } from './documents.js';

export interface AppendWatchOptions {
  readonly events: Collection<EventDocument>;
  readonly heads: () => Promise<number[]>;
  readonly signal: AppendSignal;
  /** Open a change stream (true) or only poll heads (false). */
  readonly changeStream: boolean;
  /** Report inserts from this cluster time on, however long the stream takes to open. */
  readonly startAtOperationTime?: Timestamp;
  readonly pollMs: number;
  readonly logger?: Logger;
}

export interface AppendWatch {
  stop(): Promise<void>;
}

/** What the change stream keeps of an insert: its resume token and where the event landed. */
interface InsertedAt {
  readonly _id: unknown;
  readonly fullDocument: { readonly partition: number; readonly sequence: number };
}

/**
 * Wakes local listeners for appends other processes commit. A change stream on event inserts is
 * only a wake-up: listeners go back to the store for positions. If the stream cannot be opened or
 * fails for good (the driver already resumes it across elections and dropped connections), the
 * heads are polled every `pollMs` instead, for the rest of the store's life.
 */
export function watchAppends(options: AppendWatchOptions): AppendWatch {
  const { signal, pollMs, logger } = options;
  let stopped = false;
  let stream: ChangeStream<EventDocument, InsertedAt> | undefined;
  let timer: NodeJS.Timeout | undefined;

  const poll = (): void => {
    timer = setTimeout(() => {
      void options
        .heads()
        .then(
          (heads) => heads.forEach((head, partition) => signal.reached(partition, head)),
          (error: unknown) => {
            if (!stopped) logger?.warn({ err: error }, 'polling event store heads failed');
          },
        )
        .finally(() => {
          if (!stopped) poll();
        });
    }, pollMs);
    timer.unref();
  };

  const fallBackToPolling = (error: unknown): void => {
    if (stopped || stream === undefined) return;
    const failed = stream;
    stream = undefined;
    void failed.close().catch(() => undefined);
    logger?.warn({ err: error, pollMs }, 'event store change stream failed; polling heads instead');
    poll();
  };

  if (options.changeStream) {
    stream = options.events.watch<EventDocument, InsertedAt>(
      [
        { $match: { operationType: 'insert' } },
        { $project: { 'fullDocument.partition': 1, 'fullDocument.sequence': 1 } },
      ],
      options.startAtOperationTime ? { startAtOperationTime: options.startAtOperationTime } : {},
    );
    stream.on('change', (change) => signal.reached(change.fullDocument.partition, change.fullDocument.sequence));
    stream.on('error', fallBackToPolling);
  } else {
    poll();
  }

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      const open = stream;
      stream = undefined;
      await open?.close().catch(() => undefined);
    },
  };
}
