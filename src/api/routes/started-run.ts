/** The answer of every route that starts a run: the run's id, names, Web UI link, and whether it is new. */
import type { BatonClient } from '../../client/client';
import type { StartedRun } from '../../core/schemas';

export function startedRun(client: BatonClient, handle: { id: string; flowName: string; runName?: string }, created: boolean): StartedRun {
  return {
    id: handle.id,
    flowName: handle.flowName,
    runName: handle.runName ?? null,
    webUrl: client.webUrl(handle.id) ?? null,
    created,
  };
}

/** Seconds from now until an ISO time; undefined when the time is now or past (the run starts at once). */
export function delayUntil(scheduledTime: string | undefined, now = Date.now()): number | undefined {
  if (!scheduledTime) return undefined;
  const seconds = (Date.parse(scheduledTime) - now) / 1000;
  return seconds > 0 ? seconds : undefined;
}
