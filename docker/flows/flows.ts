// Flows run in Temporal's sandbox: they import the tasks' types only.
import { z } from 'zod';
import { flow, log, tasks } from 'baton/workflows';
import type * as t from './tasks';

const { listOrders, shipOrder } = tasks<typeof t>();

export const shipOrders = flow(
  {
    name: 'ship-orders',
    description: 'Lists open orders and ships each one, at most 10 at a time',
    parameters: z.object({ count: z.number().int().min(1).max(1000).default(25) }),
    flowRunName: 'ship-{count}-orders',
    tags: ['compose'],
  },
  async ({ count }) => {
    const orders = await listOrders(count);
    log.info('shipping orders', { count: orders.length });
    const shipped = await shipOrder.withOptions({ concurrency: 10 }).map(orders);
    return { shipped: shipped.length };
  },
);
