// Tasks run in Node: they may use any library, the file system, the network.
import { task } from 'baton';

export const getCustomerIds = task({ name: 'get-customer-ids', retries: 2 }, async (count: number) =>
  Array.from({ length: count }, (_, n) => `customer-${String(n + 1).padStart(2, '0')}`),
);

export const processCustomer = task(
  { name: 'process-customer', retries: 3, retryDelaySeconds: [1, 2, 5], taskRunName: 'process-{customerId}' },
  async (customerId: string) => `Processed ${customerId}`,
);
