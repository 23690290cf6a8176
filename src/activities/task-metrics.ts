/**
 * What Baton counts about task runs, through Temporal's metric meter (exported with the SDK's own
 * metrics when the worker serves them, `BATON_METRICS_PORT`): runs by task, outcome and attempt,
 * how long each attempt took, cache lookups and stream items. Recorded only when this process
 * serves metrics.
 */
import type { MetricMeter } from '@temporalio/common';

let enabled = false;

/** Called once by the worker's runtime setup. */
export function enableTaskMetrics(on: boolean): void {
  enabled = on;
}

export function taskMetricsEnabled(): boolean {
  return enabled;
}

/** How an attempt ended, as the task-run listing names it. */
export type AttemptOutcome = 'Completed' | 'Failed' | 'Retrying' | 'Cancelled';

/** One attempt of a task: `baton_task_runs` (a counter) and `baton_task_duration` (milliseconds). */
export function recordTaskAttempt(meter: MetricMeter, task: string, outcome: AttemptOutcome, attempt: number, ms: number): void {
  const tags = { task, state: outcome, attempt: attempt > 1 ? 'retry' : 'first' };
  meter.createCounter('baton_task_runs', 'runs', 'Task attempts by task, outcome and whether it was a retry').add(1, tags);
  meter.createHistogram('baton_task_duration', 'int', 'ms', 'Milliseconds a task attempt took').record(Math.max(0, Math.round(ms)), tags);
}

/** How a cached call was answered: a stored result, one computed, or one computed again on request. */
export type CacheResult = 'hit' | 'miss' | 'refresh';

/** One cached call answered: `baton_cache_lookups` by task and result. */
export function recordCacheLookup(meter: MetricMeter, task: string, result: CacheResult): void {
  meter.createCounter('baton_cache_lookups', 'lookups', 'Cached task calls by task and how they were answered (hit, miss, refresh)').add(1, { task, result });
}

/** Items a task streamed to its flow run, counted as each batch goes out: `baton_stream_items`. */
export function recordStreamItems(meter: MetricMeter, task: string, items: number): void {
  meter.createCounter('baton_stream_items', 'items', 'Items tasks streamed to their flow runs, by task').add(items, { task });
}
