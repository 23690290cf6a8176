// Flows run in Temporal's deterministic sandbox: they only import task *types*.
import { z } from 'zod';
import { flow, log, tasks } from 'baton/workflows';
import type * as t from './tasks';

const { getCustomerIds, processCustomer } = tasks<typeof t>();

export const main = flow(
  {
    name: 'quickstart',
    description: 'Gets customer ids and processes each one in parallel',
    parameters: z.object({ count: z.number().int().min(1).max(1000).default(10) }),
    flowRunName: 'quickstart-{count}-customers',
    tags: ['example'],
  },
  async ({ count }) => {
    const customerIds = await getCustomerIds(count);
    log.info('processing customers', { count: customerIds.length });
    return await processCustomer.map(customerIds);
  },
);
