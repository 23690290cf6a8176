/** The health route: whether the API is up, Temporal reachable, and its cache store answering (no key needed). */
import type { CacheStore } from '../../activities/cache-store';
import type { BatonClient } from '../../client/client';
import type { McpHealthProbe } from '../../mcp/mcp-health';
import { Health } from '../../core/schemas';
import { defineRoute, Reply } from '../route';

/** How long the health probe waits for Temporal, and for the cache store, before it reports them unreachable. */
export const HEALTH_DEADLINE_MS = 1_000;

/** `work`, or false once `ms` have passed. */
async function answersWithin(work: () => Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const done = work().then(
    () => true,
    () => false,
  );
  return Promise.race([done, late]).finally(() => clearTimeout(timer));
}

export function healthRoutes(client: BatonClient, cache?: CacheStore, mcp?: McpHealthProbe) {
  return [
    defineRoute({
      method: 'get',
      path: '/api/health',
      summary: 'Whether the API is up, Temporal reachable and the cache store answering',
      tag: 'system',
      access: 'public',
      response: Health,
      // A Health body either way: 503 'degraded' when Temporal cannot be reached. A cache store or an
      // MCP server that does not answer is 'degraded' with 200: the API serves, runs go on.
      replies: [503],
      handler: async () => {
        const namespace = client.options.target.namespace;
        const [reachable, cacheReachable, servers] = await Promise.all([
          // A probe answers in seconds: with Temporal gone, the SDK would otherwise retry for about
          // 20 s. The deadline also ends its retries (the last backoff may add a second).
          answersWithin(
            () => client.connection.withDeadline(Date.now() + HEALTH_DEADLINE_MS, () => client.connection.workflowService.getSystemInfo({})),
            HEALTH_DEADLINE_MS * 2,
          ),
          cache?.ping ? answersWithin(() => cache.ping!(), HEALTH_DEADLINE_MS) : Promise.resolve(true),
          mcp ? mcp.probe(HEALTH_DEADLINE_MS) : Promise.resolve(undefined),
        ]);
        const mcpOk = (servers ?? []).every((s) => s.reachable !== false);
        const body = {
          status: reachable && cacheReachable && mcpOk ? ('ok' as const) : ('degraded' as const),
          temporal: { reachable, namespace },
          ...(cache ? { cache: { store: cache.kind ?? 'custom', reachable: cacheReachable } } : {}),
          ...(servers ? { mcp: servers } : {}),
        };
        return reachable ? body : new Reply(503, body);
      },
    }),
  ];
}
