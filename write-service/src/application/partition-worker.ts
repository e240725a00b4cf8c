import type { Lease, Logger, PartitionTask, PartitionTaskContext, RecordedEvent } from '@ledger/platform';
import type { EventStore } from '../ports/event-store.js';

/** One partition's share of a round: its events after `after`, in order. */
export interface PartitionBatch {
  readonly partition: number;
  /** The checkpoint the batch starts after. */
  readonly after: number;
  readonly events: readonly RecordedEvent[];
  /** Aborted when this partition's lease ends. */
  readonly signal: AbortSignal;
}

export interface PartitionWorkerOptions {
  readonly store: EventStore;
  /** Names the worker's checkpoint in the store (and its log lines). */
  readonly worker: string;
  /** Most events a partition contributes to one round. */
  readonly batchSize: number;
  /** How often to look for appends made by other processes. */
  readonly pollMs: number;
  readonly logger?: Logger;
  /** Sequence to start after; the worker's checkpoint by default. */
  readonly resumeAfter?: (partition: number) => Promise<number>;
  /**
   * Handles one round: a batch for each partition of this process that has events. Returns, per
   * batch and in the same order, a promise of the sequence it got through (the last event's, or
   * less when the batch's `signal` aborted midway: the checkpoint to write); one that rejects fails
   * only that partition's worker.
   */
  readonly process: (batches: readonly PartitionBatch[]) => Array<Promise<number>>;
}

/** A partition whose lease this process holds, as the group runs it. */
interface Member {
  readonly partition: number;
  readonly lease: Lease;
  readonly signal: AbortSignal;
  after: number;
  /** Read again before the group sleeps: the last read filled a batch, or an append or poll came since. */
  due: boolean;
  /** Its batch is being processed: the next waits for it. */
  busy: boolean;
  checkpoints: Promise<void>;
  stop?: { fenced: true } | { failed: unknown };
  /** Ends the member's task (after its checkpoints are written). */
  end(): void;
}

/**
 * The saga's and the forwarder's loop. Each partition has its lease, its fencing token and its
 * checkpoint, and the balancer starts and stops its task as before; but the partitions one process
 * holds of a kind are read and handed over together, in rounds: a commit of the store's writer that
 * touched ten partitions wakes one round, not ten loops. A round reads every partition that has news
 * and no batch in flight, after its checkpoint, and hands the batches over at once; each partition
 * then goes on by itself: once its batch is done, its checkpoint is written fenced by its lease token
 * (a partition whose lease has passed on stops) and it may join the next round. When no partition
 * has news the loop waits for the next append or the poll.
 *
 * A checkpoint is written while the partition goes on with its next batch: what was appended
 * meanwhile does not wait for that commit. A partition's checkpoints are written one after the
 * other, in order; a refused one (fenced off) stops that partition's task before its next batch, and
 * one that fails fails it. So a partition whose lease has passed on may process one batch more than
 * it would otherwise: the saga's steps find their keys recorded, and the bus's consumers drop what
 * they applied.
 */
export function createPartitionWorker(options: PartitionWorkerOptions): PartitionTask {
  const { store, worker, batchSize, pollMs } = options;
  const resumeAfter = options.resumeAfter ?? ((partition: number) => store.getCheckpoint(worker, partition));
  const members = new Map<number, Member>();
  let looping = false;
  let wake: (() => void) | undefined;

  const rouse = (): void => {
    const resume = wake;
    wake = undefined;
    resume?.();
  };

  const writeCheckpoint = (member: Member, sequence: number): void => {
    member.checkpoints = member.checkpoints.then(async () => {
      if (member.stop) return;
      try {
        if (!(await store.setCheckpoint(worker, member.partition, sequence, member.lease.token))) {
          member.stop = { fenced: true };
        }
      } catch (error) {
        member.stop = { failed: error };
      }
    });
  };

  /** Takes out the members that are to stop; their tasks end once their checkpoints are written. */
  const retire = (): void => {
    for (const member of members.values()) {
      if ((!member.signal.aborted && !member.stop) || member.busy) continue;
      members.delete(member.partition);
      void member.checkpoints.then(() => member.end());
    }
  };

  /** Until an append to one of the members' partitions, a member joins or leaves, or the poll. */
  const idle = async (): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      wake = resolve;
      timer = setTimeout(() => {
        for (const member of members.values()) member.due = true;
        rouse();
      }, pollMs);
    });
    clearTimeout(timer);
  };

  const loop = async (): Promise<void> => {
    looping = true;
    const unlisten = store.onAppend((partition) => {
      const member = members.get(partition);
      if (!member) return;
      member.due = true;
      rouse();
    });
    try {
      for (;;) {
        retire();
        if (members.size === 0) return;
        const round = [...members.values()].filter((member) => member.due && !member.busy);
        if (round.length === 0) {
          await idle();
          continue;
        }
        for (const member of round) member.due = false;
        const reads = await Promise.allSettled(
          round.map((member) => store.readPartition(member.partition, member.after, batchSize)),
        );
        const batches: PartitionBatch[] = [];
        const of: Member[] = [];
        reads.forEach((read, i) => {
          const member = round[i]!;
          if (read.status === 'rejected') {
            member.stop = { failed: read.reason };
            return;
          }
          // A full batch: more may be waiting beyond it, so the member is read again at once.
          if (read.value.length >= batchSize) member.due = true;
          if (read.value.length === 0 || member.signal.aborted) return;
          batches.push({ partition: member.partition, after: member.after, events: read.value, signal: member.signal });
          of.push(member);
        });
        if (batches.length === 0) continue;
        // Each partition goes on as soon as its own batch is done; the others' may still run.
        options.process(batches).forEach((result, i) => {
          const member = of[i]!;
          member.busy = true;
          result
            .then(
              (sequence) => {
                writeCheckpoint(member, sequence);
                member.after = sequence;
              },
              (error: unknown) => {
                member.stop = { failed: error };
              },
            )
            .finally(() => {
              member.busy = false;
              rouse();
            });
        });
      }
    } finally {
      unlisten();
      looping = false;
      // Those already marked to stop end now; after a failure, start() ends the others with it.
      retire();
    }
  };

  const start = (): void => {
    if (looping) return;
    loop().catch((error: unknown) => {
      for (const member of members.values()) member.stop ??= { failed: error };
      retire();
    });
  };

  return async ({ partition, lease, signal }: PartitionTaskContext) => {
    const after = await resumeAfter(partition);
    if (signal.aborted) return;
    const member = await new Promise<Member>((resolve) => {
      const joined: Member = {
        partition,
        lease,
        signal,
        after,
        due: true,
        busy: false,
        checkpoints: Promise.resolve(),
        end: () => {
          signal.removeEventListener('abort', rouse);
          resolve(joined);
        },
      };
      members.set(partition, joined);
      signal.addEventListener('abort', rouse, { once: true });
      start();
      rouse();
    });
    const { stop } = member;
    if (stop && 'failed' in stop) throw stop.failed;
    if (stop) options.logger?.warn({ partition, token: lease.token }, `${worker} fenced off by a newer lease`);
  };
}
