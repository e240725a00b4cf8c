import type { RecordedEvent } from '@ledger/platform';
import type { LedgerEvent } from '@ledger/schema/events';
import { isKnownEventType, upcastEvent } from '@ledger/schema/events';
import { documentIds, projectBalance, startedIn } from '../domain/balance-projection.js';
import type { ProjectionNotification, ProjectionState } from '../domain/balance-projection.js';
import type { CommitResult, ProjectionBatch, ReadModel } from '../ports/read-model.js';

export interface AppliedEvents {
  readonly result: CommitResult;
  /** What subscribers should hear once the commit is done (empty when it was refused). */
  readonly notifications: readonly ProjectionNotification[];
}

/**
 * Projects a run of one partition's events (ordered, contiguous) onto a generation and commits the
 * documents with the partition checkpoint at the last event. Event types this version does not
 * know still move the checkpoint: they carry nothing the balance view shows.
 */
export async function applyEvents(
  readModel: ReadModel,
  generation: string,
  partition: number,
  events: readonly RecordedEvent[],
  options: { requireActive: boolean },
): Promise<AppliedEvents> {
  if (events.length === 0) return { result: 'committed', notifications: [] };
  const known = currentShapes(events);
  const { accountIds, transactionIds } = documentIds(known);
  // A document whose aggregate starts here (version 1) has nothing stored yet: the generation holds
  // what was applied up to its checkpoint, and these events come after it. A new transaction, the
  // first event of every deposit, withdrawal and transfer, is not looked up.
  const created = startedIn(known);
  const stored = (id: string): boolean => !created.has(id);
  const state = await readModel.load(generation, accountIds.filter(stored), transactionIds.filter(stored));
  const { batch, notifications } = project(state, partition, events, known);
  const result = await readModel.commit(generation, batch, options);
  return { result, notifications: result === 'committed' ? notifications : [] };
}

/** The events this version knows, as their current shapes (the bus may still hold older ones, as the store may). */
export function currentShapes(events: readonly RecordedEvent[]): LedgerEvent[] {
  return events.filter((event) => isKnownEventType(event.type)).map((event) => upcastEvent(event) as LedgerEvent);
}

function project(
  state: ProjectionState,
  partition: number,
  events: readonly RecordedEvent[],
  known: readonly LedgerEvent[],
): { batch: ProjectionBatch; notifications: readonly ProjectionNotification[] } {
  const projected = projectBalance(state, known);
  return {
    batch: {
      partition,
      accounts: projected.accounts,
      transactions: projected.transactions,
      history: projected.history,
      checkpoint: events.at(-1)!.position.sequence,
    },
    notifications: projected.notifications,
  };
}
