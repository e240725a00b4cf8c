import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLSafeInt } from 'graphql-scalars';
import type { SystemStatusView } from '../../../application/system-status.js';
import { DateTimeScalar } from '../scalars/date-time.scalar.js';

export const WorkerKind = { SAGA: 'SAGA', FORWARDER: 'FORWARDER', PROJECTOR: 'PROJECTOR' } as const;
export type WorkerKind = (typeof WorkerKind)[keyof typeof WorkerKind];
registerEnumType(WorkerKind, {
  name: 'WorkerKind',
  description: 'A kind of partition worker: one of each runs per partition, under a lease.',
  valuesConfig: {
    SAGA: { description: 'Settles transactions (write service).' },
    FORWARDER: { description: 'Publishes committed events on the bus (write service).' },
    PROJECTOR: { description: 'Applies events to the read model (projector).' },
  },
});

export const RebuildPhase = {
  IDLE: 'IDLE',
  REPLAYING: 'REPLAYING',
  CATCHING_UP: 'CATCHING_UP',
  SWAPPING: 'SWAPPING',
  DONE: 'DONE',
  FAILED: 'FAILED',
} as const;
export type RebuildPhase = (typeof RebuildPhase)[keyof typeof RebuildPhase];
registerEnumType(RebuildPhase, { name: 'RebuildPhase' });

@ObjectType({ description: 'The holder of a partition lease.' })
export class PartitionOwner {
  @Field(() => WorkerKind)
  kind!: WorkerKind;

  @Field(() => String, { description: 'Member id of the replica (LEDGER_MEMBER_ID).' })
  member!: string;

  @Field(() => GraphQLSafeInt, { description: 'Fencing token of the lease.' })
  token!: number;
}

@ObjectType({ description: 'How far one partition has come, from the store to the read model.' })
export class PartitionStatus {
  @Field(() => Int)
  partition!: number;

  @Field(() => GraphQLSafeInt, { description: 'Last sequence committed in the event store.' })
  storeHead!: number;

  @Field(() => GraphQLSafeInt, { description: 'Last sequence the forwarder published on the bus.' })
  forwarderPosition!: number;

  @Field(() => GraphQLSafeInt, { description: 'Last sequence the transfer saga went past.' })
  sagaPosition!: number;

  @Field(() => GraphQLSafeInt, { description: 'Last sequence the read model applied (projector checkpoint).' })
  checkpoint!: number;

  @Field(() => GraphQLSafeInt, { description: 'Events committed but not yet in the read model.' })
  lagEvents!: number;

  @Field(() => Float, { description: 'Age in seconds of the oldest event not yet in the read model (0: none).' })
  lagSeconds!: number;

  @Field(() => [PartitionOwner], { description: 'Lease holders of this partition, one per worker kind held.' })
  owners!: PartitionOwner[];
}

@ObjectType({ description: 'A replica in a worker group.' })
export class WorkerMember {
  @Field(() => String)
  id!: string;

  @Field(() => [Int], { description: 'Partitions whose lease it holds.' })
  partitions!: number[];
}

@ObjectType({ description: 'The replicas running one kind of partition worker.' })
export class WorkerGroup {
  @Field(() => WorkerKind)
  kind!: WorkerKind;

  @Field(() => [WorkerMember], { description: 'Live members, and any other holder of a lease.' })
  members!: WorkerMember[];

  @Field(() => [Int], { description: 'Partitions of this kind no one holds right now.' })
  unowned!: number[];
}

@ObjectType({ description: 'The last read-model rebuild started through this gateway.' })
export class RebuildStatus {
  @Field(() => RebuildPhase)
  phase!: RebuildPhase;

  @Field(() => GraphQLSafeInt, { description: 'Events applied to the new read model so far.' })
  eventsApplied!: number;

  @Field(() => GraphQLSafeInt, { description: 'Events in the store the current phase works towards.' })
  eventsTotal!: number;

  @Field(() => Float, { description: 'eventsApplied / eventsTotal, from 0 to 1.' })
  progress!: number;

  @Field(() => DateTimeScalar, { nullable: true })
  startedAt!: Date | null;

  @Field(() => DateTimeScalar, { nullable: true })
  finishedAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'The read-model generation swapped in (DONE).' })
  generation!: string | null;

  @Field(() => String, { nullable: true, description: 'Why it failed (FAILED).' })
  error!: string | null;
}

@ObjectType({ description: 'Operator view of the running ledger: partitions, workers and the read-model rebuild.' })
export class SystemStatus {
  @Field(() => DateTimeScalar, { description: 'When this view was read.' })
  at!: Date;

  @Field(() => [PartitionStatus])
  partitions!: PartitionStatus[];

  @Field(() => [WorkerGroup], { description: 'Per worker kind; empty when the gateway cannot see the leases.' })
  workers!: WorkerGroup[];

  @Field(() => RebuildStatus)
  rebuild!: RebuildStatus;
}

const kindOf = (kind: string): WorkerKind => kind.toUpperCase() as WorkerKind;

export function toSystemStatus(view: SystemStatusView): SystemStatus {
  const { rebuild } = view;
  return {
    at: view.at,
    partitions: view.partitions.map((p) => ({
      ...p,
      owners: p.owners.map((owner) => ({ ...owner, kind: kindOf(owner.kind) })),
    })),
    workers: view.workers.map((group) => ({
      kind: kindOf(group.kind),
      members: group.members.map((member) => ({ id: member.id, partitions: [...member.partitions] })),
      unowned: [...group.unowned],
    })),
    rebuild:
      rebuild.phase === 'idle'
        ? {
            phase: 'IDLE',
            eventsApplied: 0,
            eventsTotal: 0,
            progress: 0,
            startedAt: null,
            finishedAt: null,
            generation: null,
            error: null,
          }
        : {
            ...rebuild,
            phase: rebuild.phase.toUpperCase().replace('-', '_') as RebuildPhase,
            progress:
              rebuild.phase === 'done'
                ? 1
                : rebuild.eventsTotal > 0
                  ? Math.min(1, rebuild.eventsApplied / rebuild.eventsTotal)
                  : 0,
          },
  };
}
