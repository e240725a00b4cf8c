import type { LeaseStore } from '@ledger/platform';
import type { PartitionProgress, ReadProgress } from '../ports/system.js';
import type { RebuildStatusView } from './rebuild-tracker.js';

/** The kinds of partition worker, as the lease balancers name their groups and leases. */
export const WORKER_KINDS = ['saga', 'forwarder', 'projector'] as const;
export type WorkerKind = (typeof WORKER_KINDS)[number];

export interface PartitionOwnerView {
  readonly kind: WorkerKind;
  readonly member: string;
  /** Fencing token of the lease it holds. */
  readonly token: number;
}

export interface PartitionStatusView extends PartitionProgress {
  /** Who holds this partition's lease, per worker kind (a kind nobody holds is absent). */
  readonly owners: readonly PartitionOwnerView[];
}

export interface WorkerMemberView {
  readonly id: string;
  /** Partitions whose lease it holds, ascending. */
  readonly partitions: readonly number[];
}

export interface WorkerGroupView {
  readonly kind: WorkerKind;
  /** Live members (heartbeating) and any holder of a lease, by id. */
  readonly members: readonly WorkerMemberView[];
  /** Partitions of this kind no one holds right now. */
  readonly unowned: readonly number[];
}

export interface SystemStatusView {
  readonly at: Date;
  readonly partitions: readonly PartitionStatusView[];
  /** Per worker kind; empty when this gateway cannot see the lease store. */
  readonly workers: readonly WorkerGroupView[];
  readonly rebuild: RebuildStatusView;
}

export interface SystemStatusOptions {
  readonly progress: ReadProgress;
  /** Where the workers hold their leases; without it the view has no owners. */
  readonly leases?: LeaseStore;
  readonly rebuild: () => RebuildStatusView;
  /** A view younger than this is served again rather than read anew (many watchers, one read). */
  readonly maxAgeMs?: number;
  readonly now?: () => number;
}

export interface SystemStatus {
  read(): Promise<SystemStatusView>;
}

/** The operator view of the running system, read from the store, the read model and the leases. */
export function createSystemStatus(options: SystemStatusOptions): SystemStatus {
  const { leases } = options;
  const maxAgeMs = options.maxAgeMs ?? 250;
  const now = options.now ?? Date.now;
  let last: { readonly at: number; readonly view: Promise<SystemStatusView> } | undefined;

  const readWorkers = async (partitions: number): Promise<Map<WorkerKind, Map<number, PartitionOwnerView>>> => {
    const owners = new Map<WorkerKind, Map<number, PartitionOwnerView>>();
    if (!leases) return owners;
    const names = WORKER_KINDS.flatMap((kind) => Array.from({ length: partitions }, (_, p) => `${kind}/${p}`));
    const holders = await leases.holders(names);
    WORKER_KINDS.forEach((kind, k) => {
      const byPartition = new Map<number, PartitionOwnerView>();
      for (let p = 0; p < partitions; p++) {
        const holder = holders[k * partitions + p];
        if (holder) byPartition.set(p, { kind, member: holder.owner, token: holder.token });
      }
      owners.set(kind, byPartition);
    });
    return owners;
  };

  const groupOf = async (
    kind: WorkerKind,
    partitions: number,
    owners: Map<number, PartitionOwnerView>,
  ): Promise<WorkerGroupView> => {
    const held = new Map<string, number[]>((await leases!.members(kind)).map((member) => [member, []]));
    const unowned: number[] = [];
    for (let p = 0; p < partitions; p++) {
      const owner = owners.get(p);
      if (!owner) unowned.push(p);
      else if (held.has(owner.member)) held.get(owner.member)!.push(p);
      else held.set(owner.member, [p]);
    }
    const members = [...held].map(([id, mine]) => ({ id, partitions: mine })).sort((a, b) => (a.id < b.id ? -1 : 1));
    return { kind, members, unowned };
  };

  const readView = async (): Promise<SystemStatusView> => {
    // When the view was asked for: views a watcher gets are an interval apart, however long a read takes.
    const at = new Date(now());
    const progress = await options.progress();
    const owners = await readWorkers(progress.length);
    const partitions = progress.map((p) => ({
      ...p,
      owners: WORKER_KINDS.flatMap((kind) => owners.get(kind)?.get(p.partition) ?? []),
    }));
    const workers = leases
      ? await Promise.all(WORKER_KINDS.map((kind) => groupOf(kind, progress.length, owners.get(kind)!)))
      : [];
    return { at, partitions, workers, rebuild: options.rebuild() };
  };

  return {
    read() {
      const at = now();
      if (!last || at - last.at > maxAgeMs) {
        const view = readView();
        last = { at, view };
        // A failed read is not served again.
        view.catch(() => {
          if (last?.view === view) last = undefined;
        });
      }
      // The rebuild's state is in memory here: always the current one, never a cached one.
      return last.view.then((view) => ({ ...view, rebuild: options.rebuild() }));
    },
  };
}
