/**
 * Cache keys: a SHA-256 of a stable serialization (object keys sorted, so their order never
 * changes the key) of the parts the task's cache policy names.
 */
import { createHash } from 'node:crypto';
import { bindArguments } from '../core/run-name';
import type { CachePolicy } from '../core/cache-policy';

/** JSON with sorted keys; dates as ISO strings; class instances tagged with their class name. */
export function stableStringify(value: unknown): string {
  const seen = new WeakSet<object>();
  const walk = (v: unknown): unknown => {
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') return undefined;
    if (typeof v === 'bigint') return { $bigint: v.toString() };
    if (v === null || typeof v !== 'object') return v;
    if (v instanceof Date) return { $date: v.toISOString() };
    if (seen.has(v)) throw new Error('cannot compute a cache key over a circular value');
    seen.add(v);
    if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : walk(x)));
    if (v instanceof Map) return { $map: [...v.entries()].map(([k, x]) => [walk(k), walk(x)]).sort((a, b) => (JSON.stringify(a[0]) < JSON.stringify(b[0]) ? -1 : 1)) };
    if (v instanceof Set)
      return {
        $set: [...v]
          .map(walk)
          .map((x) => JSON.stringify(x))
          .sort(),
      };
    const out: Record<string, unknown> = {};
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) out.$class = (v as object).constructor?.name ?? 'object';
    for (const k of Object.keys(v).sort()) {
      const x = walk((v as Record<string, unknown>)[k]);
      if (x !== undefined) out[k] = x;
    }
    return out;
  };
  return JSON.stringify(walk(value)) ?? 'undefined';
}

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

export interface KeyInputs {
  taskName: string;
  policy: CachePolicy;
  args: unknown[];
  paramNames: string[];
  taskSource: string;
  flowRunId: string;
  flowParameters: unknown;
}

/** The key for one call, or throws when an input cannot be serialized. */
export function cacheKey(k: KeyInputs): string {
  const parts: Record<string, unknown> = { task: k.taskName };
  if (k.policy.has('inputs')) {
    const named = bindArguments(k.args, k.paramNames);
    const inputs: Record<string, unknown> = {};
    const first = k.args[0];
    const firstIsBag = k.paramNames.length === 0 && first !== null && typeof first === 'object' && !Array.isArray(first);
    k.args.forEach((arg, i) => {
      const name = k.paramNames[i] ?? String(i);
      if (k.policy.excluded.includes(name)) return;
      if (i === 0 && firstIsBag) {
        // Destructured parameters: leave out excluded properties of the argument object.
        const bag: Record<string, unknown> = {};
        for (const [p, v] of Object.entries(arg as Record<string, unknown>)) if (!k.policy.excluded.includes(p)) bag[p] = v;
        inputs[name] = bag;
      } else inputs[name] = named[name];
    });
    parts.inputs = inputs;
  }
  if (k.policy.has('taskSource')) parts.taskSource = sha256(k.taskSource);
  if (k.policy.has('runId')) parts.runId = k.flowRunId;
  if (k.policy.has('flowParameters')) parts.flowParameters = k.flowParameters ?? null;
  return sha256(stableStringify(parts));
}
