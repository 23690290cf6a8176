/**
 * Flow options as users write them, and what both the client and a parent flow derive from them
 * (parameter validation, run names, retry policy). Pure: used in flows and in Node.
 */
import type { RetryPolicy } from '@temporalio/common';
import type { ZodType } from 'zod';
import { ParameterValidationError, type FieldIssue } from './errors';
import type { Hooks } from './hooks';
import { renderTemplate } from './run-name';

export interface FlowOptions<P> {
  /** The flow's name: its workflow type in Temporal. Defaults to the function's name. */
  name?: string;
  /** What the flow does, shown by the API and CLI. */
  description?: string;
  /** A version label, recorded on each run. */
  version?: string;
  /** Times to re-run the whole flow after it fails (Prefect's flow `retries`). Default 0. */
  retries?: number;
  /** Seconds to wait before each flow retry. Default 0. */
  retryDelaySeconds?: number;
  /** Seconds one flow run may take before it ends TimedOut. */
  timeoutSeconds?: number;
  /** The run's name: a template over the parameters (`'report-{date:%Y-%m-%d}'`) or a function of them. */
  flowRunName?: string | ((params: P) => string);
  /** Labels for every run of the flow; searchable as `BatonTags`. */
  tags?: string[];
  /** A zod schema for the parameters, checked before a run starts: a bad parameter never starts a run. */
  parameters?: ZodType<unknown, P>;
  /**
   * Run the tasks this flow calls in the flow's own worker, as Temporal local activities, unless a
   * task declares `local: false`. Faster per task (no round trip through the server before each),
   * but no routing to other workers, and a worker that dies re-runs the local tasks whose results
   * were not recorded yet. See the task option `local`. Default false.
   */
  localTasks?: boolean;
  /**
   * Tasks to run when a run starts (each attempt), as Prefect's `on_running`. Name them by their
   * handle from `tasks<typeof import('./tasks')>()`. Each runs as a task run of its own, labelled
   * `on-running: <task>`, with a `FlowHookContext`; the flow's body starts once they end.
   * A hook that fails is logged and recorded, and never changes the run's state or result.
   */
  onRunning?: Hooks;
  /** Tasks to run once the run has completed, before it ends (Prefect's `on_completion`). See {@link onRunning}. */
  onCompletion?: Hooks;
  /**
   * Tasks to run once the run has failed or timed out for good (Prefect's `on_failure`): after its
   * last attempt, never for an attempt that a flow retry follows. See {@link onRunning}.
   */
  onFailure?: Hooks;
  /** Tasks to run once the run is cancelled (Prefect's `on_cancellation`); they run to their end despite the cancel. See {@link onRunning}. */
  onCancellation?: Hooks;
  /**
   * Tasks to run when the run closes in a way the flow itself never sees (Prefect's `on_crashed`):
   * terminated, or timed out by Temporal's own execution or run timeout. A watcher workflow,
   * `<flow run id>/on-crashed`, waits for the run to close and runs them as its task runs.
   * See {@link onRunning}.
   */
  onCrashed?: Hooks;
}

/** Turns zod issues into field issues with dotted paths. */
export function fieldIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): FieldIssue[] {
  return issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

/**
 * Validates parameters against the flow's schema; returns the parsed value (defaults applied).
 * Throws ParameterValidationError naming each bad field.
 */
export function parseParameters(flowName: string, schema: ZodType | undefined, params: unknown): unknown {
  if (!schema) return params;
  const result = schema.safeParse(params ?? {});
  if (!result.success) throw new ParameterValidationError(`flow '${flowName}'`, fieldIssues(result.error.issues));
  return result.data;
}

/** JSON with object keys in a fixed order: two values that JSON-encode alike compare equal. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(o)
          .sort()
          .map((k) => [k, o[k]]),
      );
    }
    return v;
  });
}

/** The field schemas of a zod object schema, or undefined for any other schema. */
function objectShape(schema: ZodType): Record<string, ZodType> | undefined {
  const def = (schema as unknown as { def?: { type?: string; shape?: Record<string, ZodType> } }).def;
  return def?.type === 'object' ? def.shape : undefined;
}

/**
 * The parameters a flow run received, with the types JSON cannot carry (dates) restored.
 *
 * The edge (client, API, parent flow, deployment) parsed them and sent the complete result,
 * defaults filled in, so this never adds or changes a value: a part is taken from a fresh parse
 * only when that parse accepts it and gives back the same JSON. Otherwise (a schema whose
 * transforms cannot take their own output, or a default changed by a redeploy) the part is
 * kept as received; object schemas are restored field by field.
 */
export function restoreParameters(schema: ZodType | undefined, received: unknown): unknown {
  if (!schema) return received;
  const result = schema.safeParse(received);
  if (result.success && canonicalJson(result.data) === canonicalJson(received)) return result.data;
  const shape = objectShape(schema);
  if (!shape || !received || typeof received !== 'object' || Array.isArray(received)) return received;
  const restored: Record<string, unknown> = { ...(received as Record<string, unknown>) };
  for (const [key, field] of Object.entries(shape)) {
    if (key in restored) restored[key] = restoreParameters(field, restored[key]);
  }
  return restored;
}

/**
 * Memo key by which whoever starts a run says its parameters were parsed at the edge and are
 * complete (value `'parsed'`). A run without it (started from Temporal's UI or CLI, or a raw
 * Temporal client) has its parameters parsed inside the flow, defaults filled in, as before.
 */
export const PARAMETERS_MEMO = 'batonParameters';

/** Memo key of a run started with an idempotency key: the SHA-256 of the parameters it was started with. */
export const PARAMETERS_HASH_MEMO = 'batonParametersHash';

/** The memo entry an edge adds to a run it starts with parsed, complete parameters. */
export const PARSED_PARAMETERS_MEMO = { [PARAMETERS_MEMO]: 'parsed' } as const;

/**
 * What the edge sends when it starts a run: the parsed parameters as JSON values, so the run
 * never depends on the schema's defaults at the time it runs.
 */
export function parametersToSend(parsed: unknown): unknown {
  return parsed === undefined ? {} : (JSON.parse(JSON.stringify(parsed)) as unknown);
}

/** The run name for a flow run, or undefined when the flow sets none. */
export function flowRunNameFor<P>(options: FlowOptions<P>, params: P): string | undefined {
  const template = options.flowRunName;
  if (template === undefined) return undefined;
  if (typeof template === 'function') return template(params);
  const values = params && typeof params === 'object' ? (params as Record<string, unknown>) : {};
  return renderTemplate(template, values);
}

/** The Temporal retry policy a flow's options ask for. */
export function flowRetryPolicy(options: FlowOptions<unknown>): RetryPolicy {
  return {
    maximumAttempts: (options.retries ?? 0) + 1,
    initialInterval: Math.max(1, (options.retryDelaySeconds ?? 0) * 1000),
    backoffCoefficient: 1,
    nonRetryableErrorTypes: ['NonRetryableError', 'ParameterValidationError'],
  };
}
