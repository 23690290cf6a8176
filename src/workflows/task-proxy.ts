/**
 * How flows call tasks. `tasks<typeof import('./tasks')>()` gives a typed handle per task, whose
 * options come from the task's own declaration (installed by the worker), never from the flow:
 *
 *   await t(x)                    run and wait
 *   t.submit(x)                   a future
 *   t.map(items, unmapped(db))    one run per item, in parallel (optionally capped)
 *
 * Sandbox-safe: flows import only the task module's types.
 */
import { scheduleActivity, scheduleLocalActivity, type ActivityOptions } from '@temporalio/workflow';
import { BatonError } from '../shared/errors';
import { bindArguments, renderTemplate } from '../shared/run-name';
import { DEFAULT_TASK_TIMEOUT_SECONDS, type TaskSpec } from '../shared/task-options';
import { FLOW_PARAMETERS_ARG, isCachedResult } from '../shared/cache-policy';
import { taskError } from './failures';
import { currentFlowParameters } from './flow-context';
import { FutureList, RunFuture } from './future';
import { whileNotPaused } from './human';
import { Limiter } from './limiter';
import { taskSpecFor } from './registry';

/** Extra attempts Temporal may make when workers crash mid-task (a crash never uses a retry). */
const CRASH_ATTEMPTS = 10;
/** Seconds Temporal waits past a task's own timeout before it times the attempt out itself. */
const TIMEOUT_GRACE_SECONDS = 5;

const UNMAPPED = Symbol.for('baton.unmapped');
/** Local activities the worker registers for caching tasks (see activities/cache-lookup.ts). */
const CACHE_LOOKUP = 'baton.cache-lookup';
const CACHED_MARKER = 'baton.cached';

/** Marks a `.map()` argument that every run receives whole (Prefect's `unmapped`). */
export interface Unmapped<T> {
  readonly [UNMAPPED]: true;
  readonly value: T;
}

export function unmapped<T>(value: T): Unmapped<T> {
  return { [UNMAPPED]: true, value };
}

function isUnmapped(value: unknown): value is Unmapped<unknown> {
  return typeof value === 'object' && value !== null && (value as Unmapped<unknown>)[UNMAPPED] === true;
}

/** Per-call-site options a flow may set (the task's own options stay as declared). */
export interface CallOptions {
  /** Most runs of this `.map()` in flight at once. */
  concurrency?: number;
}

type MapArg<T> = readonly T[] | Unmapped<T>;
type MapArgs<Args extends unknown[]> = { [K in keyof Args]: MapArg<Args[K]> };

/** A task as flows see it. */
export interface TaskHandle<Args extends unknown[], R> {
  (...args: Args): Promise<R>;
  /** Starts the task in the background. */
  submit(...args: Args): RunFuture<R>;
  /** One run per item (several lists are zipped; `unmapped(x)` values are shared), in parallel. */
  map(...args: MapArgs<Args>): FutureList<R>;
  /** The same task with call-site options such as a concurrency cap for `.map()`. */
  withOptions(options: CallOptions): TaskHandle<Args, R>;
  readonly taskName: string;
}

/** What `tasks<typeof import('./tasks')>()` returns: a handle for each exported task. */
export type TaskHandles<M> = {
  [K in keyof M as M[K] extends (...args: never[]) => unknown ? K : never]: M[K] extends {
    fn: (...args: infer A) => infer R;
  }
    ? TaskHandle<A, Awaited<R>>
    : never;
};

function specOf(key: string): TaskSpec {
  const spec = taskSpecFor(key);
  if (!spec) {
    throw new BatonError(
      `no task '${key}' is registered with this worker; export it from the module given to 'baton worker start --flows'`,
    );
  }
  return spec;
}

function runNameOf(spec: TaskSpec, args: unknown[]): string | undefined {
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

function schedule<R>(key: string, args: unknown[]): { promise: Promise<R>; runName?: string } {
  const spec = specOf(key);
  const runName = runNameOf(spec, args);
  // A task keyed on the flow's parameters gets them as a hidden last argument.
  const sent = spec.cache?.flowParameters ? [...args, { [FLOW_PARAMETERS_ARG]: currentFlowParameters() }] : args;
  // A run paused from outside starts no new task until it is resumed.
  const promise = whileNotPaused()
    .then(() => (spec.cache && !spec.cache.refresh ? cachedOrScheduled(spec, sent, runName) : scheduleActivity<unknown>(spec.name, sent, activityOptions(spec, runName))))
    // A caching task answers with its value wrapped in the cache outcome.
    .then((result) => (spec.cache && isCachedResult(result) ? result.value : result) as R)
    .catch((err: unknown) => {
      throw taskError(err, spec.name);
    });
  return { promise, runName };
}

/** A caching task: look the key up first (a local activity); a hit runs nothing and is marked Cached. */
async function cachedOrScheduled(spec: TaskSpec, sent: unknown[], runName: string | undefined): Promise<unknown> {
  const label = runName ?? spec.name;
  const lookup = await scheduleLocalActivity<{ hit: boolean; key?: string; value?: unknown }>(CACHE_LOOKUP, [{ task: spec.name, args: sent }], {
    startToCloseTimeout: 60_000,
    retry: { maximumAttempts: 3 },
    summary: `cache lookup: ${label}`,
  });
  if (!lookup.hit) return scheduleActivity<unknown>(spec.name, sent, activityOptions(spec, runName));
  // A marker the Web UI shows as "<run name> · Cached", and the task-run listing reads as Cached.
  await scheduleLocalActivity(CACHED_MARKER, [{ task: spec.name, runName, key: lookup.key }], {
    startToCloseTimeout: 10_000,
    summary: `${label} · Cached`,
  });
  return lookup.value;
}

function zip(args: unknown[]): unknown[][] {
  let length: number | undefined;
  for (const arg of args) {
    if (isUnmapped(arg)) continue;
    if (!Array.isArray(arg)) throw new BatonError('map() arguments must be arrays or unmapped(value)');
    if (length !== undefined && arg.length !== length) {
      throw new BatonError(`map() arrays must have the same length (got ${length} and ${arg.length})`);
    }
    length = arg.length;
  }
  if (length === undefined) throw new BatonError('map() needs at least one array to map over');
  return Array.from({ length }, (_, i) => args.map((arg) => (isUnmapped(arg) ? arg.value : (arg as unknown[])[i])));
}

function makeHandle<Args extends unknown[], R>(key: string, callOptions: CallOptions): TaskHandle<Args, R> {
  const call = (...args: Args) => schedule<R>(key, args).promise;
  const submit = (...args: Args) => {
    const { promise, runName } = schedule<R>(key, args);
    return new RunFuture<R>(specOf(key).name, runName, promise);
  };
  const map = (...args: MapArgs<Args>) => {
    const rows = zip(args);
    const name = specOf(key).name;
    const limiter = callOptions.concurrency ? new Limiter(callOptions.concurrency) : undefined;
    const futures = rows.map((row) => {
      if (!limiter) {
        const { promise, runName } = schedule<R>(key, row);
        return new RunFuture<R>(name, runName, promise);
      }
      const runName = runNameOf(specOf(key), row);
      return new RunFuture<R>(name, runName, limiter.run(() => schedule<R>(key, row).promise));
    });
    return new FutureList<R>(futures);
  };
  const withOptions = (options: CallOptions) => {
    if (options.concurrency !== undefined && !(Number.isInteger(options.concurrency) && options.concurrency > 0)) {
      throw new BatonError('concurrency must be a whole number > 0');
    }
    return makeHandle<Args, R>(key, { ...callOptions, ...options });
  };
  return Object.assign(call, { submit, map, withOptions, taskName: key }) as TaskHandle<Args, R>;
}

/**
 * Typed handles for a module's tasks: `const { fetch } = tasks<typeof import('./tasks')>();`.
 * Handles resolve their task when called, so they may be made at module load.
 */
export function tasks<M>(): TaskHandles<M> {
  const handles = new Map<string, unknown>();
  return new Proxy({} as TaskHandles<M>, {
    get(_, key) {
      if (typeof key !== 'string' || key === 'then') return undefined;
      if (!handles.has(key)) handles.set(key, makeHandle(key, {}));
      return handles.get(key);
    },
  });
}
