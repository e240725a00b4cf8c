import type { RecordedEvent } from '@ledger/platform';
import type { EventSource } from '../ports/event-source.js';
import type { ReadModel } from '../ports/read-model.js';
import { createRebuildBatch } from './rebuild-batch.js';

/**
 * The partitions of a replay handed out one at a time to the lanes that copy them, which may run on
 * other threads: a counter in shared memory, so that a lane that goes faster takes more of them.
 */
export interface PartitionClaims {
  /** The counter, for a lane on another thread (`partitionClaims(count, buffer)` there). */
  readonly buffer: SharedArrayBuffer;
  /** The next partition no lane has taken, or undefined once every one has been. */
  next(): number | undefined;
}

export function partitionClaims(count: number, buffer = new SharedArrayBuffer(4)): PartitionClaims {
  const taken = new Int32Array(buffer);
  return {
    buffer,
    next() {
      const partition = Atomics.add(taken, 0, 1);
      return partition < count ? partition : undefined;
    },
  };
}

/**
 * Folds `pages` into `generation`, a commit per `batchSize` events or so (a page is never split, and
 * pages of several partitions share a commit), and hears each commit's events. Answers the events
 * copied.
 */
export async function copyPages(
  readModel: ReadModel,
  generation: string,
  pages: AsyncIterable<readonly RecordedEvent[]>,
  batchSize: number,
  onCommitted: (events: number) => void | Promise<void>,
): Promise<number> {
  let copied = 0;
  let batch = createRebuildBatch(readModel, generation);
  const flush = async () => {
    if (batch.events === 0) return;
    await batch.commit();
    const events = batch.events;
    copied += events;
    batch = createRebuildBatch(readModel, generation);
    await onCommitted(events);
  };
  for await (const page of pages) {
    if (page.length === 0) continue;
    if (batch.events > 0 && batch.events + page.length > batchSize) await flush();
    await batch.add(page);
  }
  await flush();
  return copied;
}

/** The pages of every partition `claims` hands this lane, each up to its bound in `to`. */
export async function* claimedPages(
  source: EventSource,
  to: readonly number[],
  claims: PartitionClaims,
  signal?: AbortSignal,
): AsyncGenerator<readonly RecordedEvent[]> {
  for (let partition = claims.next(); partition !== undefined; partition = claims.next()) {
    if (!(to[partition]! > 0)) continue;
    yield* source.replay({ partitions: [partition], to: { [partition]: to[partition]! } }, signal);
  }
}

/** What a rebuild asks of a lane (see RebuildOptions.lanes). */
export interface LaneRequest {
  readonly generation: string;
  /** The heads the replay copies up to, by partition. */
  readonly to: readonly number[];
  /** The shared counter both lanes take partitions from (`partitionClaims(to.length, claims)`). */
  readonly claims: SharedArrayBuffer;
  readonly batchSize: number;
  /** Hears each of the lane's commits: how many events it held. */
  readonly onCommitted: (events: number) => void;
}

/**
 * A lane that copies the partitions it claims in the rebuild's place: where the store and the read
 * model are files on this machine, a thread with connections of its own (cli/src/rebuild-lane.ts), so
 * that the event loop runs none of the replay, and one lane reads and folds while another's commit
 * runs. Answers the events it copied.
 */
export interface RebuildLane {
  copy(request: LaneRequest, signal: AbortSignal): Promise<number>;
}
