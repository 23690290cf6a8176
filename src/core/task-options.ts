/**
 * Task options as users write them, and the serializable spec the worker hands to flows.
 * Pure: flows read specs, tasks read options.
 */

/** Exponential backoff: `baseSeconds * factor^(retry - 1)`, capped at `maxSeconds`. */
export interface ExponentialBackoff {
  kind: 'exponential';
  baseSeconds: number;
  factor: number;
  maxSeconds?: number;
}

/**
 * Delay before each retry, in seconds: one number for every retry, a list with one delay per
 * retry (the last repeats), or exponential backoff.
 */
export type RetryDelaySeconds = number | readonly number[] | ExponentialBackoff;

/** Exponential backoff, as Prefect's `exponential_backoff(backoff_factor)`. */
export function exponentialBackoff(options: { baseSeconds: number; factor?: number; maxSeconds?: number }): ExponentialBackoff {
  return { kind: 'exponential', baseSeconds: options.baseSeconds, factor: options.factor ?? 2, maxSeconds: options.maxSeconds };
}

/** The delay, in seconds, before retry number `retry` (1 for the first retry), before jitter. */
export function retryDelayFor(delay: RetryDelaySeconds | undefined, retry: number): number {
  if (delay === undefined) return 0;
  if (typeof delay === 'number') return delay;
  if (Array.isArray(delay)) {
    const list = delay as readonly number[];
    if (list.length === 0) return 0;
    return list[Math.min(retry, list.length) - 1]!;
  }
  const exp = delay as ExponentialBackoff;
  const value = exp.baseSeconds * Math.pow(exp.factor, retry - 1);
  return exp.maxSeconds !== undefined ? Math.min(value, exp.maxSeconds) : value;
}

/** A task's run name: a template over its arguments (`'process-{customerId}'`) or a function of them. */
export type RunName<Args extends unknown[]> = string | ((...args: Args) => string);

/**
 * What the worker tells flows about a task: everything a flow needs to schedule it. Built from
 * the task's options once, at worker start, so flows never repeat them.
 */
export interface TaskSpec {
  /** Activity type; what the Web UI shows. */
  name: string;
  /** The name the task is exported under, which is how flows' typed proxies refer to it. */
  exportName?: string;
  description?: string;
  tags: string[];
  retries: number;
  /** Delay before the first retry, in seconds (later delays are set per attempt by the task). */
  firstRetryDelaySeconds: number;
  timeoutSeconds?: number;
  heartbeatSeconds: number;
  /** Error names that never retry (matched against the thrown error's `name`). */
  nonRetryableErrorNames: string[];
  /** A template, or (inside flows) the function itself, rebuilt from its source by the worker. */
  taskRunName?: string | ((...args: unknown[]) => string);
  /** The implementation's parameter names, for binding templates to positional arguments. */
  paramNames: string[];
  /**
   * Set when the task caches across runs: its results come back wrapped with the cache outcome,
   * and `flowParameters` says the flow must pass its parameters along for the key.
   */
  cache?: { flowParameters: boolean; refresh?: boolean };
  /**
   * Run as a Temporal local activity in the flow's own worker: true or false as the task declares,
   * undefined to follow the calling flow's `localTasks`.
   */
  local?: boolean;
  /** Task names of the task's hooks, resolved by the worker from the task's options. */
  hooks?: { onCompletion?: string[]; onFailure?: string[]; onCancellation?: string[] };
}

/** Seconds a task may run before it is timed out when it sets no `timeoutSeconds`. */
export const DEFAULT_TASK_TIMEOUT_SECONDS = 24 * 60 * 60;
/** Seconds without a heartbeat after which a task's worker is presumed dead and the task runs elsewhere. */
export const DEFAULT_HEARTBEAT_SECONDS = 30;

/**
 * What a local task that streamed returns, around its result. Its stream's signals reach the flow
 * run while the flow's workflow task is still open, and Temporal refuses to end a run in a task
 * that new events arrived during: the flow lets them in (one short timer) before it goes on.
 */
export interface LocalStreamedResult {
  batonLocalStreamed: true;
  value: unknown;
}

export function isLocalStreamedResult(value: unknown): value is LocalStreamedResult {
  return typeof value === 'object' && value !== null && (value as LocalStreamedResult).batonLocalStreamed === true;
}
