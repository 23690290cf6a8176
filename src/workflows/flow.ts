/**
 * `flow(options, fn)`: a flow is a Temporal workflow whose type is the flow's name. Called from
 * another flow, it runs as a child workflow (a subflow) with a deterministic id. Sandbox-safe; the
 * same declaration is loaded in Node by workers, the client and the API to read its options.
 *
 * @example
 * export const etl = flow(
 *   { name: 'etl', parameters: z.object({ day: z.string() }), flowRunName: 'etl-{day}', retries: 1 },
 *   async ({ day }) => load(await transform(await extract(day))),
 * );
 */
import { executeChild, inWorkflowContext, type ChildWorkflowOptions, workflowInfo } from '@temporalio/workflow';
import type { input, output, ZodType } from 'zod';
import { BatonError } from '../core/errors';
import { FLOW_HOOKS, flowHookNames } from '../core/hooks';
import { flowRetryPolicy, flowRunNameFor, parametersToSend, parseParameters, PARSED_PARAMETERS_MEMO, type FlowOptions } from '../core/flow-options';
import { FLOW_NAME, RUN_NAME, RUN_STATE, TAGS } from '../core/search-attributes';
import { subflowError } from './failures';
import { RunFuture } from './future';
import { whileNotPaused } from './human';
import { registerFlow } from './registry';
import { runState } from './run-state';
import { announceSubflow } from './stream';

const FLOW = Symbol.for('baton.flow');

/** A declared flow. Inside a flow, calling it runs it as a subflow and returns its result. */
export interface Flow<P, R> {
  (...params: undefined extends P ? [params?: P] : [params: P]): Promise<R>;
  /** Starts the flow as a subflow in the background. */
  submit(...params: undefined extends P ? [params?: P] : [params: P]): RunFuture<R>;
  readonly [FLOW]: true;
  readonly flowName: string;
  readonly options: Readonly<FlowOptions<P>>;
  /** The body: an async function, or an `async function*` whose yields are published. */
  readonly fn: (params: never) => Promise<R> | AsyncGenerator<unknown, unknown, undefined>;
  /** The file that declared the flow (known in Node; the worker bundles it). */
  readonly sourceFile: string | undefined;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyFlow = Flow<any, any>;

/** The file of the first stack frame outside this module: the module that called `flow()`. */
function callerFile(): string | undefined {
  const capture = Error as unknown as { prepareStackTrace?: unknown };
  const original = capture.prepareStackTrace;
  try {
    capture.prepareStackTrace = (_: unknown, frames: { getFileName(): string | null }[]) => frames;
    const frames = new Error().stack as unknown as { getFileName(): string | null }[];
    if (!Array.isArray(frames)) return undefined;
    const here = frames[0]?.getFileName();
    for (const frame of frames) {
      const file = frame.getFileName();
      if (file && file !== here) return file.startsWith('file://') ? decodeURIComponent(file.slice(7)) : file;
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    capture.prepareStackTrace = original;
  }
}

/** Subflows started so far in this run, by flow name (their ids count up). */
const SUBFLOWS = Symbol.for('baton.run.subflows');
const childCounters = () => runState(SUBFLOWS, () => new Map<string, number>());

function startSubflow<P, R>(flow: Flow<P, R>, params: P): { promise: Promise<R>; runName?: string } {
  if (!inWorkflowContext()) {
    throw new BatonError(`flow '${flow.flowName}' was called outside a flow; start it with client.flowRuns.run(...) or the API`);
  }
  const parsed = parseParameters(flow.flowName, flow.options.parameters as ZodType | undefined, params);
  const parent = workflowInfo();
  const counters = childCounters();
  const n = (counters.get(flow.flowName) ?? 0) + 1;
  counters.set(flow.flowName, n);
  let runName: string | undefined;
  try {
    runName = flowRunNameFor(flow.options as FlowOptions<unknown>, parsed);
  } catch {
    runName = undefined;
  }
  const options = {
    // A retried parent gets fresh child ids: the previous attempt's children may still be closing.
    workflowId: `${parent.workflowId}/${flow.flowName}-${n}${parent.attempt > 1 ? `-a${parent.attempt}` : ''}`,
    args: [parametersToSend(parsed)],
    memo: PARSED_PARAMETERS_MEMO,
    taskQueue: parent.taskQueue,
    retry: flowRetryPolicy(flow.options as FlowOptions<unknown>),
    staticSummary: runName,
    typedSearchAttributes: [
      { key: FLOW_NAME, value: flow.flowName },
      ...(runName ? [{ key: RUN_NAME, value: runName }] : []),
      { key: RUN_STATE, value: 'Pending' },
      ...(flow.options.tags?.length ? [{ key: TAGS, value: [...flow.options.tags] }] : []),
    ],
  } satisfies ChildWorkflowOptions & { args: unknown[] };
  const promise = whileNotPaused()
    .then(() => {
      announceSubflow(options.workflowId, flow.flowName);
      return executeChild(flow.flowName, options);
    })
    .catch((err: unknown) => {
      throw subflowError(err);
    }) as Promise<R>;
  return { promise, runName };
}

/**
 * What a generator flow's run returns: the generator's `return` value, or, when it returns
 * nothing, the list of the values it yielded.
 */
export type GeneratorResult<Y, R> = [R] extends [void] ? Y[] : R;

/**
 * Declares a generator flow (`async function*`) whose parameters a zod schema checks: each `yield`
 * is published to the run's stream as it happens (topic `default`).
 */
export function flow<S extends ZodType, Y, R = void>(
  options: Omit<FlowOptions<output<S>>, 'parameters'> & { parameters: S },
  fn: (params: output<S>) => AsyncGenerator<Y, R, undefined>,
): Flow<input<S>, GeneratorResult<Y, R>>;
/** Declares a generator flow (`async function*`): each `yield` is published to the run's stream as it happens. */
export function flow<P = undefined, Y = unknown, R = void>(options: FlowOptions<P>, fn: (params: P) => AsyncGenerator<Y, R, undefined>): Flow<P, GeneratorResult<Y, R>>;
/** Declares a flow whose parameters a zod schema checks before any run starts. */
export function flow<S extends ZodType, R>(
  options: Omit<FlowOptions<output<S>>, 'parameters'> & { parameters: S },
  fn: (params: output<S>) => Promise<R>,
): Flow<input<S>, R>;
/** Declares a flow. */
export function flow<P = undefined, R = unknown>(options: FlowOptions<P>, fn: (params: P) => Promise<R>): Flow<P, R>;
export function flow<P, R>(options: FlowOptions<P>, fn: (params: P) => Promise<R> | AsyncGenerator<unknown, unknown, undefined>): Flow<P, R> {
  const flowName = options.name ?? (fn.name || undefined);
  if (!flowName) throw new BatonError('a flow needs a name: set options.name');
  if (!/^[\w.:@-]{1,200}$/.test(flowName)) {
    throw new BatonError(`flow name '${flowName}' must be 1-200 letters, digits or . _ - : @`);
  }
  if (options.retries !== undefined && (!Number.isInteger(options.retries) || options.retries < 0)) {
    throw new BatonError(`flow '${flowName}': retries must be a whole number ≥ 0`);
  }
  if (options.timeoutSeconds !== undefined && !(options.timeoutSeconds > 0)) {
    throw new BatonError(`flow '${flowName}': timeoutSeconds must be > 0`);
  }
  // A hook that is not a task fails the declaration, naming the option.
  for (const hook of FLOW_HOOKS) flowHookNames(flowName, hook, options[hook]);
  const sourceFile = inWorkflowContext() ? undefined : callerFile();
  const call = (params?: P) => startSubflow(declared, params as P).promise;
  const submit = (params?: P) => {
    const { promise, runName } = startSubflow(declared, params as P);
    return new RunFuture<R>(flowName, runName, promise);
  };
  const declared = Object.assign(call, {
    [FLOW]: true as const,
    flowName,
    options: Object.freeze({ ...options }),
    fn: fn as Flow<P, R>['fn'],
    sourceFile,
    submit,
  }) as unknown as Flow<P, R>;
  registerFlow(declared);
  return declared;
}

export function isFlow(value: unknown): value is AnyFlow {
  return typeof value === 'function' && (value as Partial<AnyFlow>)[FLOW] === true;
}
