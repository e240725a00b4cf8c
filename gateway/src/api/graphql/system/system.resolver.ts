import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { SubscribeResolverData } from 'type-graphql';
import { ValidationError } from '@ledger/platform';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, requirePageSize } from '@ledger/schema';
import { Transaction, toTransaction } from '../transaction/transaction.type.js';
import type { SystemStatusView } from '../../../application/system-status.js';
import type { GatewayContext } from '../context.js';
import { requireAdmin } from '../../../application/authorization.js';
import { createLiveStream } from '../subscriptions/live-stream.js';
import type { LiveStream } from '../subscriptions/live-stream.js';
import { SystemStatus, toSystemStatus } from './system-status.type.js';

export const MIN_SYSTEM_INTERVAL_MS = 500;
export const MAX_SYSTEM_INTERVAL_MS = 60_000;

type Data<Args> = SubscribeResolverData<unknown, Args, GatewayContext>;

/** The status now, then again every `intervalMs`; a read that fails (write service away) skips a beat. */
function watchSystem(context: GatewayContext, intervalMs: number): LiveStream<SystemStatusView> {
  // Only the newest views matter: a watcher this far behind is dropped rather than buffered.
  const stream = createLiveStream<SystemStatusView>({ maxBuffered: 10 });
  let reading = false;
  const tick = (): void => {
    if (reading) return;
    reading = true;
    context.system
      .read()
      .then(
        (view) => stream.push(view),
        () => undefined,
      )
      .finally(() => (reading = false));
  };
  const timer = setInterval(tick, intervalMs);
  stream.onClose(() => clearInterval(timer));
  tick();
  return stream;
}

@Resolver()
export class SystemResolver {
  @Query(() => SystemStatus, {
    description: 'Operator view: per-partition progress and lag, lease owners, worker groups, the rebuild.',
  })
  async system(@Ctx() context: GatewayContext): Promise<SystemStatus> {
    requireAdmin(context.principal, 'the operator view');
    return toSystemStatus(await context.system.read());
  }

  @Subscription(() => SystemStatus, {
    description: `The operator view now, then every intervalMs (${MIN_SYSTEM_INTERVAL_MS} to ${MAX_SYSTEM_INTERVAL_MS}).`,
    subscribe: ({ args, context }: Data<{ intervalMs: number }>) => {
      requireAdmin(context.principal, 'the operator view');
      const { intervalMs } = args;
      if (!Number.isInteger(intervalMs) || intervalMs < MIN_SYSTEM_INTERVAL_MS || intervalMs > MAX_SYSTEM_INTERVAL_MS) {
        throw new ValidationError(
          `intervalMs must be from ${MIN_SYSTEM_INTERVAL_MS} to ${MAX_SYSTEM_INTERVAL_MS} milliseconds`,
        );
      }
      return watchSystem(context, intervalMs);
    },
  })
  systemChanged(
    @Root() view: SystemStatusView,
    @Arg('intervalMs', () => Int, { defaultValue: 2_000 }) _intervalMs: number,
  ): SystemStatus {
    return toSystemStatus(view);
  }
}

@Resolver(() => SystemStatus)
export class SystemTransactionsResolver {
  @FieldResolver(() => [Transaction], {
    description: `The newest transactions of every account, newest first (1 to ${MAX_PAGE_SIZE}): the failed ones too, which move no balance.`,
  })
  async latestTransactions(
    @Arg('first', () => Int, { defaultValue: DEFAULT_PAGE_SIZE }) first: number,
    @Ctx() { readModel }: GatewayContext,
  ): Promise<Transaction[]> {
    return (await readModel.latestTransactions({ first: requirePageSize(first) })).map(toTransaction);
  }
}
