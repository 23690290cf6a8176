/**
 * Cache policies, as Prefect names them: what a task's cache key is made of. Combine with
 * `plus` and leave named arguments out of the key with `minus`:
 *
 *   cachePolicy: INPUTS.plus(TASK_SOURCE).minus('client')
 *
 * Pure: the worker computes keys; flows only learn whether a key needs the flow's parameters.
 */
export type CachePart = 'inputs' | 'taskSource' | 'runId' | 'flowParameters';

export class CachePolicy {
  constructor(
    readonly parts: ReadonlySet<CachePart>,
    /** Argument names left out of the INPUTS part. */
    readonly excluded: readonly string[] = [],
  ) {}

  /** A policy whose key has both policies' parts. */
  plus(other: CachePolicy): CachePolicy {
    return new CachePolicy(new Set([...this.parts, ...other.parts]), [...new Set([...this.excluded, ...other.excluded])]);
  }

  /** The same policy with these arguments left out of the key (an API client, a secret). */
  minus(...argumentNames: string[]): CachePolicy {
    return new CachePolicy(this.parts, [...new Set([...this.excluded, ...argumentNames])]);
  }

  has(part: CachePart): boolean {
    return this.parts.has(part);
  }

  /** True for NONE: nothing is cached. */
  get isNone(): boolean {
    return this.parts.size === 0;
  }

  toString(): string {
    const parts = [...this.parts].join('+') || 'none';
    return this.excluded.length ? `${parts} minus ${this.excluded.join(', ')}` : parts;
  }
}

/** The task's arguments (by name). */
export const INPUTS = new CachePolicy(new Set(['inputs']));
/** The task's source code: editing the task invalidates its cache. */
export const TASK_SOURCE = new CachePolicy(new Set(['taskSource']));
/** The flow run: results are shared within one run only. */
export const RUN_ID = new CachePolicy(new Set(['runId']));
/** The parameters of the flow run the task runs in. */
export const FLOW_PARAMETERS = new CachePolicy(new Set(['flowParameters']));
/** No caching. */
export const NONE = new CachePolicy(new Set());
/** Prefect's default: inputs, task source and flow run. */
export const DEFAULT = INPUTS.plus(TASK_SOURCE).plus(RUN_ID);

/** What a cached task returns to the flow: the value, and whether it came from the cache. */
export interface CachedResult<T = unknown> {
  batonCache: 'hit' | 'miss' | 'refresh';
  key: string;
  value: T;
}

export function isCachedResult(value: unknown): value is CachedResult {
  return typeof value === 'object' && value !== null && typeof (value as CachedResult).batonCache === 'string' && 'key' in value;
}

/** The hidden last argument that carries the flow's parameters to a task keyed on them. */
export const FLOW_PARAMETERS_ARG = '$batonFlowParameters';
