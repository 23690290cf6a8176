/**
 * `task(options, fn)`: a task declared once, next to its implementation. Flows call it through a
 * typed proxy and never repeat its options; the worker runs it as a Temporal activity.
 *
 * @example
 * export const processCustomer = task(
 *   { name: 'process-customer', retries: 3, retryDelaySeconds: [1, 5, 30], taskRunName: 'customer-{customerId}' },
 *   async (customerId: string) => `processed ${customerId}`,
 * );
 */
import { BatonError } from '../core/errors';
import { DEFAULT_HEARTBEAT_SECONDS, retryDelayFor, type RetryDelaySeconds, type RunName, type TaskSpec } from '../core/task-options';
import type { CachePolicy } from '../core/cache-policy';
import { hookTargets, TASK_HOOKS, type Hooks } from '../core/hooks';
import type { RunContext } from './run-context';

/** An error class, or an error `name`, that never retries. */
export type ErrorMatcher = string | (abstract new (...args: never[]) => Error);

export interface TaskOptions<Args extends unknown[]> {
  /** The task's name: its activity type in Temporal. Defaults to the function's name, then the export name. */
  name?: string;
  /** What the task does, shown by the API and CLI. */
  description?: string;
  /** Labels for the task's runs. */
  tags?: string[];
  /** Times to retry after a failure (Prefect's `retries`). Default 0. A worker crash never counts. */
  retries?: number;
  /** Seconds to wait before each retry: a number, a list (one per retry), or `exponentialBackoff(...)`. Default 0. */
  retryDelaySeconds?: RetryDelaySeconds;
  /** Adds up to `factor × delay` of random delay to each retry, to spread retries out. */
  retryJitterFactor?: number;
  /** Errors that fail the task at once, by class or by `name`. `NonRetryableError` always does. */
  nonRetryableErrors?: ErrorMatcher[];
  /** Consulted after each failure (Prefect's `retry_condition_fn`): return false to stop retrying. */
  retryCondition?: (error: unknown, context: RunContext) => boolean | Promise<boolean>;
  /** Seconds one attempt may run before it fails with TimedOut (and is retried if retries remain). */
  timeoutSeconds?: number;
  /**
   * Seconds without a heartbeat before the task's worker is presumed dead and the task runs on
   * another worker. Baton heartbeats for you while the task runs. Default 30.
   */
  heartbeatSeconds?: number;
  /**
   * The run's name: a template over the arguments (`'agent-{agentName}-on-{date:%A}'`) or a
   * function of them. A function runs inside the flow, so it must use only its arguments.
   */
  taskRunName?: RunName<Args>;
  /** Send the task's `console.log` (and friends) to Baton's logger, with the run's ids. */
  logPrints?: boolean;
  /**
   * What the cache key is made of, across runs: `INPUTS`, `TASK_SOURCE`, `RUN_ID`,
   * `FLOW_PARAMETERS`, `NONE`, combined with `.plus()`, arguments left out with `.minus('client')`.
   * A hit returns the stored result without running the task; the task run reads Cached.
   */
  cachePolicy?: CachePolicy;
  /** A key of your own (Prefect's `cache_key_fn`); return undefined to skip the cache for a call. */
  cacheKeyFn?: (context: CacheKeyContext, ...args: Args) => string | undefined;
  /** Seconds a cached result stays valid. Default: forever. */
  cacheExpirationSeconds?: number;
  /** Run the task even on a hit, and store the new result. */
  refreshCache?: boolean;
  /**
   * Run the task in the flow's own worker, as a Temporal local activity: no round trip through the
   * server before it starts; its outcome is recorded in the flow's history when the flow's
   * workflow task completes. Retries, timeouts, caching, run names, errors, streams and the
   * task-run listing are the same. The trade-off: it runs only in the worker running its flow (no
   * routing to other workers), it shows in the listing once it has ended, and a worker that dies
   * loses every local result its flow had not recorded yet (in a chain of local tasks, up to the
   * last ~8 s): those tasks run again, from attempt 1, when the flow resumes on another worker.
   * `false` keeps a task regular in a flow with `localTasks: true`. Default: the calling flow's
   * `localTasks`, else false.
   */
  local?: boolean;
  /**
   * Tasks to run once a run of this task has completed (Prefect's task `on_completion`), each a
   * task declared with `task()` and exported from the same module. Each runs as a task run of its
   * own, scheduled by the flow and labelled `on-completion: <task>`, with a `TaskHookContext`; the
   * flow gets the task's result once they end. A hook that fails is logged and recorded, and never
   * changes the task run's outcome.
   */
  onCompletion?: Hooks;
  /** Tasks to run once a run of this task has failed or timed out for good, its retries spent (Prefect's `on_failure`). See {@link onCompletion}. */
  onFailure?: Hooks;
  /** Tasks to run once a run of this task is cancelled (Prefect's `on_cancellation`). See {@link onCompletion}. */
  onCancellation?: Hooks;
}

/** What `cacheKeyFn` sees besides the arguments. */
export interface CacheKeyContext {
  taskName: string;
  flowRunId: string;
  flowName: string;
  /** The parameters of the flow run the task runs in. */
  flowParameters: unknown;
}

const TASK = Symbol.for('baton.task');

/** A declared task. Callable directly (outside a flow it just runs the function). */
export interface Task<Args extends unknown[] = unknown[], R = unknown> {
  (...args: Args): Promise<R>;
  readonly [TASK]: true;
  /** The name given in options or by the function; the worker fills in the export name otherwise. */
  readonly taskName: string | undefined;
  readonly options: Readonly<TaskOptions<Args>>;
  readonly fn: (...args: Args) => Promise<R> | R;
}

function checkOptions(options: TaskOptions<never>, label: string): void {
  const problems: string[] = [];
  const nonNegative = (field: string, v: unknown) => {
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) {
      problems.push(`${field} must be a number ≥ 0`);
    }
  };
  if (options.retries !== undefined && (!Number.isInteger(options.retries) || options.retries < 0)) {
    problems.push('retries must be a whole number ≥ 0');
  }
  const delay = options.retryDelaySeconds;
  if (Array.isArray(delay)) delay.forEach((d, i) => nonNegative(`retryDelaySeconds[${i}]`, d));
  else if (typeof delay === 'object' && delay) {
    const exp = delay as { baseSeconds: number; factor: number };
    nonNegative('retryDelaySeconds.baseSeconds', exp.baseSeconds);
    if (!(exp.factor >= 1)) problems.push('retryDelaySeconds.factor must be ≥ 1');
  } else nonNegative('retryDelaySeconds', delay);
  nonNegative('retryJitterFactor', options.retryJitterFactor);
  if (options.timeoutSeconds !== undefined && !(options.timeoutSeconds > 0)) problems.push('timeoutSeconds must be > 0');
  if (options.heartbeatSeconds !== undefined && !(options.heartbeatSeconds > 0)) {
    problems.push('heartbeatSeconds must be > 0');
  }
  nonNegative('cacheExpirationSeconds', options.cacheExpirationSeconds);
  if (options.local !== undefined && typeof options.local !== 'boolean') problems.push('local must be true or false');
  if (options.name !== undefined && !/^[\w.:@/-]{1,200}$/.test(options.name)) {
    problems.push('name must be 1-200 letters, digits or . _ - : @ /');
  }
  for (const hook of TASK_HOOKS) {
    try {
      hookTargets(`task ${label}`, hook, options[hook]);
    } catch (err) {
      problems.push((err as Error).message.replace(`task ${label}: `, ''));
    }
  }
  if (problems.length) throw new BatonError(`invalid options for task ${label}: ${problems.join('; ')}`);
}

/** Declares a task. */
export function task<Args extends unknown[], R>(options: TaskOptions<Args>, fn: (...args: Args) => Promise<R> | R): Task<Args, R> {
  const name = options.name ?? (fn.name || undefined);
  checkOptions(options as TaskOptions<never>, name ?? '(unnamed)');
  const call = async (...args: Args): Promise<R> => fn(...args);
  return Object.assign(call, { [TASK]: true as const, taskName: name, options: Object.freeze({ ...options }), fn });
}

export function isTask(value: unknown): value is Task {
  return typeof value === 'function' && (value as Partial<Task>)[TASK] === true;
}

/** Parameter names of a function, from its source; empty when they are destructured or unknown. */
export function parameterNames(fn: (...args: never[]) => unknown): string[] {
  const src = Function.prototype.toString.call(fn);
  const match = /^(?:async\s*)?(?:function\b[^(]*)?\(([^)]*)\)|^(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(src);
  if (!match) return [];
  if (match[2]) return [match[2]];
  return (match[1] ?? '')
    .split(',')
    .map((p) =>
      p
        .trim()
        .replace(/[=:].*$/s, '')
        .replace(/^\.\.\./, '')
        .trim(),
    )
    .filter((p) => /^[A-Za-z_$][\w$]*$/.test(p));
}

/** Builds the serializable spec flows schedule the task with. */
export function taskSpec(t: Task, exportName?: string): TaskSpec {
  const o = t.options;
  const name = t.taskName ?? exportName;
  if (!name) throw new BatonError('a task needs a name: give options.name, a named function, or export it');
  return {
    name,
    exportName,
    description: o.description,
    tags: [...(o.tags ?? [])],
    retries: o.retries ?? 0,
    firstRetryDelaySeconds: retryDelayFor(o.retryDelaySeconds, 1),
    timeoutSeconds: o.timeoutSeconds,
    heartbeatSeconds: o.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS,
    nonRetryableErrorNames: ['NonRetryableError', ...(o.nonRetryableErrors ?? []).map((m) => (typeof m === 'string' ? m : m.name))],
    taskRunName: o.taskRunName as TaskSpec['taskRunName'],
    paramNames: parameterNames(t.fn as (...args: never[]) => unknown),
    cache: cacheSpec(o),
    ...(o.local !== undefined ? { local: o.local } : {}),
  };
}

/** Whether (and how) flows must treat a task's results as cache-wrapped. */
function cacheSpec(o: TaskOptions<never>): TaskSpec['cache'] {
  const refresh = o.refreshCache ?? false;
  if (o.cacheKeyFn) return { flowParameters: true, refresh };
  if (!o.cachePolicy || o.cachePolicy.isNone) return undefined;
  return { flowParameters: o.cachePolicy.has('flowParameters'), refresh };
}
