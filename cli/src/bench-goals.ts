// Issue 10's goals, read off one run's JSON line of `npm run bench` (the embedded `ledger all`): what
// the run measured against each goal, and whether it met it. A goal the run did not measure (the
// fan-out without subscribers, the memory without --memory) is left out, not counted as met.

/** One goal as the run measured it. */
export interface GoalCheck {
  readonly goal: string;
  readonly measured: string;
  readonly met: boolean;
}

type Figures = Readonly<Record<string, number | boolean | string>>;

interface Goal {
  readonly goal: string;
  /** The figures it reads; the goal is left out unless all are numbers (or booleans) in the run. */
  readonly keys: readonly string[];
  readonly check: (read: (key: string) => number) => { measured: string; met: boolean };
  /** The fan-out's subscribers the goal is about: a run with fewer did not measure it. */
  readonly subscribers?: number;
}

const atLeast = (goal: string, key: string, floor: number, unit = ' x'): Goal => ({
  goal,
  keys: [key],
  check: (read) => ({ measured: `${read(key)}${unit}`, met: read(key) >= floor }),
});
const atMost = (goal: string, key: string, ceiling: number): Goal => ({
  goal,
  keys: [key],
  check: (read) => ({ measured: `${read(key)} ms`, met: read(key) <= ceiling }),
});

const GOALS: readonly Goal[] = [
  atLeast('{ __typename } >= 0.9 x Apollo', 'embedded_typename_vs_apollo', 0.9),
  atLeast('EVENTUAL deposits >= 0.25 x Apollo', 'embedded_deposit_eventual_vs_apollo', 0.25),
  atLeast('read-your-writes deposits >= 0.2 x Apollo', 'embedded_deposit_ryw_vs_apollo', 0.2),
  atLeast('EVENTUAL transfers >= 0.2 x Apollo', 'embedded_transfer_eventual_vs_apollo', 0.2),
  atMost('delivery at 70%: p99 <= 50 ms', 'embedded_delivery_p70_p99_ms', 50),
  atMost('delivery at 10%: p50 <= 10 ms', 'embedded_delivery_p10_p50_ms', 10),
  {
    goal: 'rebuild >= 50,000 events/s and >= 0.5 x the raw read',
    keys: ['embedded_rebuild_events_per_s', 'embedded_rebuild_vs_raw_read'],
    check: (read) => {
      const rate = read('embedded_rebuild_events_per_s');
      const ratio = read('embedded_rebuild_vs_raw_read');
      return { measured: `${rate} events/s, ${ratio} x`, met: rate >= 50_000 && ratio >= 0.5 };
    },
  },
  {
    goal: '1,000 subscribers at 50%: p99 <= 250 ms, every change in order',
    keys: ['embedded_subscribers_p99_ms', 'embedded_subscribers_in_order'],
    subscribers: 1_000,
    check: (read) => {
      const p99 = read('embedded_subscribers_p99_ms');
      const inOrder = read('embedded_subscribers_in_order') === 1;
      return { measured: `${p99} ms${inOrder ? ', in order' : ', NOT in order'}`, met: p99 <= 250 && inOrder };
    },
  },
  {
    goal: 'RSS after 100,000 deposits < 300 MB',
    keys: ['rss_mb_after_100k_deposits'],
    check: (read) => ({
      measured: `${read('rss_mb_after_100k_deposits')} MB`,
      met: read('rss_mb_after_100k_deposits') < 300,
    }),
  },
  {
    goal: 'nothing given up: the sum of balances is every acknowledged deposit',
    keys: ['embedded_money_landed'],
    check: (read) => {
      const landed = read('embedded_money_landed') === 1;
      return { measured: landed ? 'ok' : 'FAILED', met: landed };
    },
  },
];

/**
 * The goals `figures` measured, in the order, each with what was measured and whether it was
 * met. `subscribers` is the run's fan-out (`--subscribers`).
 */
export function checkGoals(figures: Figures, subscribers: number): GoalCheck[] {
  const read = (key: string): number => Number(figures[key]);
  const measured = (key: string) => typeof figures[key] === 'number' || typeof figures[key] === 'boolean';
  return GOALS.filter((goal) => goal.keys.every(measured) && subscribers >= (goal.subscribers ?? 0)).map((goal) => ({
    goal: goal.goal,
    ...goal.check(read),
  }));
}
