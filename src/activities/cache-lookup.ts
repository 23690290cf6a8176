/**
 * The two local activities a flow runs before a caching task: a lookup, and on a hit a marker
 * whose summary reads `<run name> · Cached` in the Temporal Web UI. A hit thus schedules no task
 * at all; a miss goes on to the task's own activity, which stores the result (and, with a shared
 * store, takes the key's lock).
 */
import { Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { TaskSpec } from '../core/task-options';
import type { CacheStore } from './cache-store';
import type { Task } from './task';
import { recordCacheLookup, taskMetricsEnabled } from './task-metrics';
import { callCacheKey, splitArguments } from './task-runner';

export const CACHE_LOOKUP_ACTIVITY = 'baton.cache-lookup';
export const CACHED_MARKER_ACTIVITY = 'baton.cached';

export interface LookupRequest {
  task: string;
  args: unknown[];
}

export function cacheActivities(tasks: { task: Task; spec: TaskSpec }[], store: CacheStore, logger: Logger): Record<string, (...args: never[]) => Promise<unknown>> {
  const byName = new Map(tasks.map((t) => [t.spec.name, t]));
  return {
    [CACHE_LOOKUP_ACTIVITY]: async (request: LookupRequest) => {
      const entry = byName.get(request.task);
      if (!entry) return { hit: false };
      const info = Context.current().info;
      const { args, flowParameters } = splitArguments(entry.spec, request.args);
      const key = callCacheKey(entry.task, entry.spec, args, flowParameters, info.workflowExecution?.workflowId ?? '', info.workflowType ?? '', logger);
      if (!key) return { hit: false };
      const hit = await store.get(key);
      // A miss is counted by the task's own attempt, which looks again before it computes.
      if (hit && taskMetricsEnabled()) recordCacheLookup(Context.current().metricMeter, entry.spec.name, 'hit');
      return hit ? { hit: true, key, value: hit.value } : { hit: false, key };
    },
    [CACHED_MARKER_ACTIVITY]: async (request: { task: string; runName?: string; key: string }) => request,
  };
}
