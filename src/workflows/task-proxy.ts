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
import { BatonError } from '../core/errors';
import { FutureList, RunFuture } from './future';
import { Limiter } from './limiter';
import { checkShardSize, DEFAULT_SHARD_SIZE, shardedMap } from './map-shard-dispatch';
import { runNameOf, schedule, specOf } from './schedule-task';

const UNMAPPED = Symbol.for('baton.unmapped');
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
  /** The task run's name for calls through this handle, instead of the task's `taskRunName`. */
  runName?: string;
  /** Most runs of this `.map()` in flight at once. */
  concurrency?: number;
  /**
   * Items per shard when a `.map()` is larger than one shard (default 1,000): such a map runs as
   * child workflows of this many items each, so it is bounded by neither Temporal's 2,000 pending
   * activities nor its history limit. Results, states and errors are the same as for a small map.
   */
  shardSize?: number;
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
  const call = (...args: Args) => schedule<R>(key, args, callOptions.runName).promise;
  const submit = (...args: Args) => {
    const { promise, runName } = schedule<R>(key, args, callOptions.runName);
    return new RunFuture<R>(specOf(key).name, runName, promise);
  };
  const map = (...args: MapArgs<Args>) => {
    const rows = zip(args);
    const shardSize = callOptions.shardSize ?? DEFAULT_SHARD_SIZE;
    if (rows.length > shardSize) return shardedMap<R>(key, rows, { concurrency: callOptions.concurrency, shardSize });
    const name = specOf(key).name;
    const limiter = callOptions.concurrency ? new Limiter(callOptions.concurrency, `map:${name}`) : undefined;
    const futures = rows.map((row) => {
      if (!limiter) {
        const { promise, runName } = schedule<R>(key, row);
        return new RunFuture<R>(name, runName, promise);
      }
      const runName = runNameOf(specOf(key), row);
      return new RunFuture<R>(
        name,
        runName,
        limiter.run(() => schedule<R>(key, row).promise),
      );
    });
    return new FutureList<R>(futures);
  };
  const withOptions = (options: CallOptions) => {
    if (options.concurrency !== undefined && !(Number.isInteger(options.concurrency) && options.concurrency > 0)) {
      throw new BatonError('concurrency must be a whole number > 0');
    }
    checkShardSize(options.shardSize);
    if (options.runName !== undefined && (typeof options.runName !== 'string' || options.runName.length < 1 || options.runName.length > 200)) {
      throw new BatonError('runName must be 1-200 characters');
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
