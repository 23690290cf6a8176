// Tasks run in Node inside the worker containers: they may use any library, files, the network.
import { task } from 'baton';

export const listOrders = task({ name: 'list-orders', retries: 2 }, async (count: number) =>
  Array.from({ length: count }, (_, n) => `order-${String(n + 1).padStart(3, '0')}`),
);

export const shipOrder = task({ name: 'ship-order', retries: 3, retryDelaySeconds: [1, 5, 15], taskRunName: 'ship-{orderId}' }, async (orderId: string) => ({
  orderId,
  shippedAt: new Date().toISOString(),
}));
