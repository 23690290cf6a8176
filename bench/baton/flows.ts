// The benchmark workloads written with Baton.
import { z } from 'zod';
import { approval, flow, tasks } from '../../src/workflows';
import type * as t from './tasks';

const { noop } = tasks<typeof t>();

export const oneTask = flow({ name: 'bench-one-task' }, async () => noop(1));

export const chain = flow({ name: 'bench-chain', parameters: z.object({ n: z.number().int() }) }, async ({ n }) => {
  let last = 0;
  for (let i = 0; i < n; i++) last = await noop(i);
  return last;
});

export const fanOut = flow({ name: 'bench-map', parameters: z.object({ n: z.number().int() }) }, async ({ n }) => {
  const results = await noop.map(Array.from({ length: n }, (_, i) => i));
  return results.length;
});

// The same workloads with local tasks: the flow's default runs them as local activities.
export const chainLocal = flow({ name: 'bench-chain-local', localTasks: true, parameters: z.object({ n: z.number().int() }) }, async ({ n }) => {
  let last = 0;
  for (let i = 0; i < n; i++) last = await noop(i);
  return last;
});

export const fanOutLocal = flow({ name: 'bench-map-local', localTasks: true, parameters: z.object({ n: z.number().int() }) }, async ({ n }) => {
  const results = await noop.map(Array.from({ length: n }, (_, i) => i));
  return results.length;
});

export const tenTasksLocal = flow({ name: 'bench-ten-local', localTasks: true }, async () => {
  for (let i = 0; i < 10; i++) await noop(i);
  return 10;
});

export const tenTasks = flow({ name: 'bench-ten' }, async () => {
  for (let i = 0; i < 10; i++) await noop(i);
  return 10;
});

/** W5z: a waiting flow whose module imports zod (this one), against bench-wait in waiting.ts. */
export const waitingWithZod = flow({ name: 'bench-wait-zod', parameters: z.object({ note: z.string().optional() }) }, async () => {
  const answer = await approval('go');
  return answer.decision;
});

export const bigMap = flow(
  { name: 'bench-big-map', parameters: z.object({ n: z.number().int(), shardSize: z.number().int().optional() }) },
  async ({ n, shardSize }) => {
    const results = await noop.withOptions({ shardSize }).map(Array.from({ length: n }, (_, i) => i));
    return results.length;
  },
);

export const bigMapLocal = flow(
  { name: 'bench-big-map-local', localTasks: true, parameters: z.object({ n: z.number().int(), shardSize: z.number().int().optional() }) },
  async ({ n, shardSize }) => {
    const results = await noop.withOptions({ shardSize }).map(Array.from({ length: n }, (_, i) => i));
    return results.length;
  },
);
