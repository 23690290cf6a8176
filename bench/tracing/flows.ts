// The tracing benchmark's flow: five tasks in a row, each a span (and a scheduling span) when traced.
import { z } from 'zod';
import { flow, tasks } from '../../src/workflows';
import type * as t from './tasks';

const T = tasks<typeof t>();

export const traceBench = flow({ name: 'trace-bench', parameters: z.object({ tasks: z.number().int() }) }, async ({ tasks: n }) => {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += await T.noop(i);
  return sum;
});
