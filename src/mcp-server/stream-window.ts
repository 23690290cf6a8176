/** A window on a run's stream for a tool call: the items after a place, waiting a little for the first one if asked. */
import type { BatonClient } from '../client/client';
import type { StreamPage } from '../core/stream';

/** How often the window looks again while it waits for a first item. */
const POLL_MS = 100;

export async function readStreamWindow(
  client: BatonClient,
  flowRunId: string,
  options: { from: number; topics?: string[]; limit: number; waitSeconds: number },
): Promise<StreamPage> {
  const until = Date.now() + options.waitSeconds * 1000;
  let from = options.from;
  for (;;) {
    const page = await client.connection.withDeadline(Date.now() + 10_000, () =>
      client.flowRuns.streamPage(flowRunId, { from, limit: options.limit, topics: options.topics }),
    );
    if (page.items.length || page.done || Date.now() + POLL_MS > until) return page;
    // Items of other topics were passed over: look after them next time.
    from = page.next;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
