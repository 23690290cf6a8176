// Flows the concurrency-limit benchmark runs: `n` acquire+release rounds of a limit, and the same
// loop calling one empty task instead (the baseline the rounds are compared with).
import { z } from 'zod';
import { concurrency, flow, tasks } from '../../src/workflows';
import type * as t from './tasks';

const T = tasks<typeof t>();

const Rounds = z.object({ limit: z.string(), n: z.number() });

/** `n` rounds of taking one slot of `limit` and giving it back, one after another. */
export const acquireRounds = flow({ name: 'bench-limit-rounds', parameters: Rounds }, async ({ limit, n }) => {
  for (let i = 0; i < n; i++) await concurrency(limit, async () => undefined);
  return n;
});

/** The same loop calling an empty task instead: what one task call costs, to compare a round with. */
export const baselineRounds = flow({ name: 'bench-limit-baseline', parameters: Rounds }, async ({ n }) => {
  for (let i = 0; i < n; i++) await T.noop();
  return n;
});
