/** Global concurrency limit routes: create, list, read (with holders and waiters), change, delete. */
import type { BatonClient } from '../../client/client';
import { ConcurrencyLimit, ConcurrencyLimitList, CreateConcurrencyLimit, LimitNameParam, UpdateConcurrencyLimit } from '../../core/schemas';
import { defineRoute } from '../route';

export function concurrencyLimitRoutes(client: BatonClient) {
  const limits = client.concurrencyLimits;
  return [
    defineRoute({
      method: 'post',
      path: '/api/concurrency-limits',
      summary: 'Create a global concurrency limit (409 when one has that name)',
      tag: 'concurrency-limits',
      access: 'admin',
      body: CreateConcurrencyLimit,
      response: ConcurrencyLimit,
      status: 201,
      errors: [409, 503],
      handler: async ({ body }) => limits.create(body),
    }),
    defineRoute({
      method: 'get',
      path: '/api/concurrency-limits',
      summary: 'Every global concurrency limit, by name, with its holders and waiters',
      tag: 'concurrency-limits',
      access: 'read',
      response: ConcurrencyLimitList,
      errors: [503],
      handler: async () => ({ limits: await limits.list() }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/concurrency-limits/:name',
      summary: 'A concurrency limit: its settings, who holds its slots and who waits, in order',
      tag: 'concurrency-limits',
      access: 'read',
      params: LimitNameParam,
      response: ConcurrencyLimit,
      errors: [404, 503],
      handler: async ({ params }) => limits.get(params.name),
    }),
    defineRoute({
      method: 'patch',
      path: '/api/concurrency-limits/:name',
      summary: 'Change a limit’s slots, slot decay or active flag (holders keep the slots they hold)',
      tag: 'concurrency-limits',
      access: 'admin',
      params: LimitNameParam,
      body: UpdateConcurrencyLimit,
      response: ConcurrencyLimit,
      errors: [404, 503],
      handler: async ({ params, body }) => limits.update(params.name, body),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/concurrency-limits/:name',
      summary: 'Delete a limit: its waiters go on without a slot; later requests for it fail as for an unknown limit',
      tag: 'concurrency-limits',
      access: 'admin',
      params: LimitNameParam,
      status: 204,
      errors: [404, 503],
      handler: async ({ params }) => limits.delete(params.name),
    }),
  ];
}
