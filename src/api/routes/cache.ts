/** The cache route: clear cached task results. */
import type { CacheStore } from '../../activities/cache-store';
import { ConflictError } from '../../core/errors';
import { ClearCacheQuery, ClearedCache } from '../../core/schemas';
import { defineRoute } from '../route';

export function cacheRoutes(cache: CacheStore | undefined) {
  return [
    defineRoute({
      method: 'delete',
      path: '/api/cache',
      summary: "Clear cached task results: all, one task's, or one key",
      tag: 'cache',
      access: 'admin',
      query: ClearCacheQuery,
      response: ClearedCache,
      // 503: the store (Redis) did not answer within BATON_CACHE_WAIT_SECONDS; nothing was cleared.
      errors: [409, 503],
      handler: async ({ query }) => {
        if (!cache) throw new ConflictError('this API has no result cache configured');
        return { removed: await cache.clear({ taskName: query.task, key: query.key }) };
      },
    }),
  ];
}
