/**
 * Scheduling one task run from flow code: as an activity, or as a local activity in the flow's
 * worker for local tasks (the task's `local`, else its flow's `localTasks`), with the options built
 * from the task's declaration; the cache lookup for caching tasks, the pause gate, and the error
 * flow code sees. Used by task handles and by the shards of a large `.map()`. Sandbox-safe.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  scheduleActivity,
  patched,
  scheduleLocalActivity,
  sleep,
  workflowInfo,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import { BatonError } from '../core/errors';
import { bindArguments, renderTemplate } from '../core/run-name';
import { DEFAULT_TASK_TIMEOUT_SECONDS, isLocalStreamedResult, type TaskSpec } from '../core/task-options';
import { detailOf } from '../core/failure-details';
import { FLOW_PARAMETERS_ARG, isCachedResult } from '../core/cache-policy';
import { taskError } from './failures';
import { currentFlowParameters, localTasksDefault } from './flow-context';
import { pausedFromOutside, whileNotPaused } from './human';
import { flowNamed, taskSpecFor } from './registry';
import { withTaskHooks } from './hooks';
import { underTagLimits } from './concurrency';

/** Marks runs whose tagged task calls take their tags' concurrency limits (`tag:<tag>`). */
const TAG_LIMITS_PATCH = 'baton.tag-concurrency-limits';

/** Extra attempts Temporal may make when workers crash mid-task (a crash never uses a retry). */
const CRASH_ATTEMPTS = 10;
/** Seconds Temporal waits past a task's own timeout before it times the attempt out itself. */
const TIMEOUT_GRACE_SECONDS = 5;

/** Local activities the worker registers for caching tasks (see activities/cache-lookup.ts). */
const CACHE_LOOKUP = 'baton.cache-lookup';
const CACHED_MARKER = 'baton.cached';

export function specOf(key: string): TaskSpec {
  const spec = taskSpecFor(key);
  if (!spec) {
    throw new BatonError(`no task '${key}' is registered with this worker; export it from the module given to 'baton worker start --flows'`);
  }
  return spec;
}

export function runNameOf(spec: TaskSpec, args: unknown[]): string | undefined {
  const template = spec.taskRunName;
  if (template === undefined) return undefined;
  try {
    return typeof template === 'function' ? String(template(...args)) : renderTemplate(template, bindArguments(args, spec.paramNames));
  } catch {
    // A run name is a label: a bad template must not fail the run. The task name stands in.
    return undefined;
  }
}

function activityOptions(spec: TaskSpec, summary: string | undefined): ActivityOptions {
  const timeout = spec.timeoutSeconds !== undefined ? spec.timeoutSeconds + TIMEOUT_GRACE_SECONDS : DEFAULT_TASK_TIMEOUT_SECONDS;
  return {
    startToCloseTimeout: timeout * 1000,
    heartbeatTimeout: spec.heartbeatSeconds * 1000,
    retry: {
      maximumAttempts: spec.retries + 1 + CRASH_ATTEMPTS,
      initialInterval: Math.max(1, Math.round(spec.firstRetryDelaySeconds * 1000)),
      backoffCoefficient: 1,
      nonRetryableErrorTypes: spec.nonRetryableErrorNames,
    },
    // The Web UI shows the activity type anyway; a summary only adds the run name when there is one.
    summary,
  };
}

/**
 * A local task's options: the same timeout and retry policy, less what only the server can do.
 * A crash cannot be told from a failure here (a crashed worker's local tasks run again from their
 * first attempt), so no extra attempts are kept for crashes.
 */
function localActivityOptions(spec: TaskSpec, summary: string | undefined): LocalActivityOptions {
  const { heartbeatTimeout: _heartbeat, retry, ...rest } = activityOptions(spec, summary);
  return { ...rest, retry: { ...retry, maximumAttempts: spec.retries + 1 } };
}

/** Whether a call runs in the flow's worker: the task's own `local`, else its flow's `localTasks` (in a map shard, the one it was given). */
function runsLocally(spec: TaskSpec): boolean {
  if (spec.local !== undefined) return spec.local;
  return flowNamed(workflowInfo().workflowType)?.options.localTasks === true || localTasksDefault();
}

/** Schedules the task itself, as an activity or, for local tasks, a local activity. */
function scheduleTask(spec: TaskSpec, sent: unknown[], runName: string | undefined): Promise<unknown> {
  return runsLocally(spec) ? scheduleLocalTask(spec, sent, runName) : scheduleActivity<unknown>(spec.name, sent, activityOptions(spec, runName));
}

/**
 * A local task. One that streamed signalled this run while its workflow task was open, and
 * Temporal refuses to end a run in a workflow task that new events arrived during (the task would
 * then run again, and stream again, without end): a 1 ms timer first ends the workflow task, so the
 * signals are taken in before the flow goes on.
 */
async function scheduleLocalTask(spec: TaskSpec, sent: unknown[], runName: string | undefined): Promise<unknown> {
  const letStreamIn = () => CancellationScope.nonCancellable(() => sleep(1));
  try {
    const result = await scheduleLocalActivity<unknown>(spec.name, sent, localActivityOptions(spec, runName));
    if (!isLocalStreamedResult(result)) return result;
    await letStreamIn();
    return result.value;
  } catch (err) {
    if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && detailOf(err.cause).localStreamed === true) await letStreamIn();
    throw err;
  }
}

/**
 * Runs a hook's task with the hook's context as its one argument, labelled with `runName`: as the
 * task itself is scheduled (activity or local activity, its own retries and timeout), without the
 * cache, the pause gate or the task's own hooks.
 */
export function scheduleHookTask(key: string, context: unknown, runName: string): Promise<unknown> {
  return scheduleTask(specOf(key), [context], runName);
}

export function schedule<R>(key: string, args: unknown[], runNameOverride?: string): { promise: Promise<R>; runName?: string } {
  const spec = specOf(key);
  const runName = runNameOverride ?? runNameOf(spec, args);
  // A task keyed on the flow's parameters gets them as a hidden last argument.
  const sent = spec.cache?.flowParameters ? [...args, { [FLOW_PARAMETERS_ARG]: currentFlowParameters() }] : args;
  const start = (): Promise<unknown> => {
    try {
      return spec.cache && !spec.cache.refresh ? cachedOrScheduled(spec, sent, runName) : scheduleTask(spec, sent, runName);
    } catch (err) {
      return Promise.reject(err);
    }
  };
  // The task is scheduled in the call, as raw Temporal does; a run paused from outside starts no new
  // task until it is resumed. Every promise here costs the flow: the SDK records a stack per promise
  // made in a workflow (for the Web UI's stack trace), so a map of 1,000 items makes as few as it can.
  // A tagged task waits for its tags' limits in the flow, before it is scheduled.
  const run = spec.tags.length > 0 && patched(TAG_LIMITS_PATCH) ? () => underTagLimits(spec.name, spec.tags, start) : start;
  const started = pausedFromOutside() ? whileNotPaused().then(run) : run();
  const fail = (err: unknown): never => {
    throw taskError(err, spec.name);
  };
  // A caching task answers with its value wrapped in the cache outcome.
  const promise = spec.cache ? started.then((result) => (isCachedResult(result) ? result.value : result) as R, fail) : (started.then(undefined, fail) as Promise<R>);
  return { promise: withTaskHooks(spec, runName, promise), runName };
}

/** A caching task: look the key up first (a local activity); a hit runs nothing and is marked Cached. */
async function cachedOrScheduled(spec: TaskSpec, sent: unknown[], runName: string | undefined): Promise<unknown> {
  const label = runName ?? spec.name;
  const lookup = await scheduleLocalActivity<{ hit: boolean; key?: string; value?: unknown }>(CACHE_LOOKUP, [{ task: spec.name, args: sent }], {
    startToCloseTimeout: 60_000,
    retry: { maximumAttempts: 3 },
    summary: `cache lookup: ${label}`,
  });
  if (!lookup.hit) return scheduleTask(spec, sent, runName);
  // A marker the Web UI shows as "<run name> · Cached", and the task-run listing reads as Cached.
  await scheduleLocalActivity(CACHED_MARKER, [{ task: spec.name, runName, key: lookup.key }], {
    startToCloseTimeout: 10_000,
    summary: `${label} · Cached`,
  });
  return lookup.value;
}
