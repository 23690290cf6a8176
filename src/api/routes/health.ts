/** The health route: whether the API is up and Temporal reachable (no key needed). */
import type { BatonClient } from '../../client/client';
import { Health } from '../../core/schemas';
import { defineRoute, Reply } from '../route';

/** How long the health probe waits for Temporal before it reports it unreachable. */
export const HEALTH_DEADLINE_MS = 1_000;

export function healthRoutes(client: BatonClient) {
  return [
    defineRoute({
      method: 'get',
      path: '/api/health',
      summary: 'Whether the API is up and Temporal reachable',
      tag: 'system',
      access: 'public',
      response: Health,
      // A Health body either way: 'degraded' when Temporal cannot be reached.
      replies: [503],
      handler: async () => {
        const namespace = client.options.target.namespace;
        try {
          // A probe answers in seconds: with Temporal gone, the SDK would otherwise retry for about
          // 20 s. The deadline also ends its retries (the last backoff may add a second).
          await client.connection.withDeadline(Date.now() + HEALTH_DEADLINE_MS, () => client.connection.workflowService.getSystemInfo({}));
          return { status: 'ok', temporal: { reachable: true, namespace } };
        } catch {
          return new Reply(503, { status: 'degraded', temporal: { reachable: false, namespace } });
        }
      },
    }),
  ];
}
