import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { RateLimit } from './rate-limit.js';

/** Builds a limit allowing `perSecond` requests per subject; limits made with one `scope` may share budgets. */
export type MakeRateLimit = (perSecond: number, scope: string) => RateLimit | Promise<RateLimit>;

/**
 * What every RateLimit adapter does: a budget per subject, refusal with a wait, recovery. `shared`:
 * whether two limits of one scope (two gateways of one deployment) spend the same budget.
 */
export function defineRateLimitContract(name: string, make: MakeRateLimit, options: { shared: boolean }): void {
  describe(`RateLimit contract: ${name}`, () => {
    const takeMany = async (limit: RateLimit, subject: string, count: number) => {
      const decisions = [];
      for (let i = 0; i < count; i++) decisions.push(await limit.take(subject));
      return decisions;
    };

    test('allows the budget, then refuses with a wait of at most a second', async () => {
      const limit = await make(5, `scope-${randomUUID()}`);
      try {
        const subject = `s-${randomUUID()}`;
        const decisions = await takeMany(limit, subject, 7);
        assert.deepEqual(
          decisions.map((decision) => decision.allowed),
          [true, true, true, true, true, false, false],
        );
        const refused = decisions[5]!;
        assert.ok(!refused.allowed && refused.retryAfterMs > 0 && refused.retryAfterMs <= 1_000);
      } finally {
        await limit.close();
      }
    });

    test('subjects have budgets of their own', async () => {
      const limit = await make(2, `scope-${randomUUID()}`);
      try {
        const [alice, bob] = [`alice-${randomUUID()}`, `bob-${randomUUID()}`];
        await takeMany(limit, alice, 3);
        assert.equal((await limit.take(bob)).allowed, true);
        assert.equal((await limit.take(alice)).allowed, false);
      } finally {
        await limit.close();
      }
    });

    test('the budget comes back after the wait', async () => {
      const limit = await make(1, `scope-${randomUUID()}`);
      try {
        const subject = `s-${randomUUID()}`;
        assert.equal((await limit.take(subject)).allowed, true);
        const refused = await limit.take(subject);
        assert.ok(!refused.allowed);
        await new Promise((resolve) => setTimeout(resolve, refused.retryAfterMs + 50));
        assert.equal((await limit.take(subject)).allowed, true);
      } finally {
        await limit.close();
      }
    });

    test(options.shared ? 'limits of one scope spend one budget' : 'each limit keeps its own budget', async () => {
      const scope = `scope-${randomUUID()}`;
      const [first, second] = [await make(4, scope), await make(4, scope)];
      try {
        const subject = `s-${randomUUID()}`;
        const decisions = [...(await takeMany(first, subject, 2)), ...(await takeMany(second, subject, 3))];
        assert.deepEqual(
          decisions.map((decision) => decision.allowed),
          [true, true, true, true, options.shared ? false : true],
        );
      } finally {
        await first.close();
        await second.close();
      }
    });
  });
}
