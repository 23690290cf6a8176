/**
 * The Baton client. Its parts are named after concepts: `client.flowRuns` starts, watches and
 * reads flow runs. Parameters are validated here, before anything starts.
 *
 * @example
 * const client = await BatonClient.connect({ target });
 * const run = await client.flowRuns.start(main, { count: 10 });
 * console.log(await run.result());
 */
import { randomUUID, randomInt } from 'node:crypto';
import {
  Client,
  Connection,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure, TemporalFailure, type TypedSearchAttributes } from '@temporalio/common';
import type { ZodType } from 'zod';
import { BatonError, FlowRunFailedError, NotFoundError, errorClassesByName } from '../shared/errors';
import { flowRetryPolicy, flowRunNameFor, parseParameters, type FlowOptions } from '../shared/flow-options';
import { FLOW_NAME, RUN_NAME, TAGS } from '../shared/search-attributes';
import type { State } from '../shared/states';
import type { TemporalTarget } from '../server/temporal-server';
import type { AnyFlow } from '../workflows/flow';
import { decodePayload, flowRunStateFrom, taskRunsFrom, type TaskRun } from './flow-run-state';

const ADJECTIVES = ['amber', 'brisk', 'calm', 'daring', 'eager', 'fuzzy', 'gentle', 'hazy', 'jolly', 'keen', 'lucid', 'merry', 'nimble', 'olive', 'proud', 'quiet', 'rapid', 'silver', 'tidy', 'vivid', 'witty', 'zesty'];
const ANIMALS = ['otter', 'heron', 'lynx', 'panda', 'falcon', 'koala', 'marten', 'ibis', 'gecko', 'bison', 'crane', 'dingo', 'egret', 'ferret', 'jackal', 'lemur', 'moose', 'newt', 'okapi', 'puffin', 'quokka', 'wombat'];

/** A readable default run name, as Prefect gives (`brisk-otter`). */
export function friendlyRunName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${ANIMALS[randomInt(ANIMALS.length)]}`;
}

export interface StartFlowRunOptions {
  /** The flow run's id (Temporal workflow id). Default `<flow>-<uuid>`. */
  flowRunId?: string;
  /** Overrides the flow's `flowRunName`. */
  runName?: string;
  /** Added to the flow's tags. */
  tags?: string[];
  /** Task queue of the workers that run the flow. Default BATON_TASK_QUEUE. */
  taskQueue?: string;
  /** Seconds to wait before the run starts (state Scheduled until then). */
  startDelaySeconds?: number;
}

/** A flow run as the client reports it. */
export interface FlowRunInfo {
  id: string;
  /** Temporal's id of the current run in the chain (changes on flow retries). */
  temporalRunId: string;
  flowName: string;
  runName?: string;
  state: State;
  tags: string[];
  parameters: unknown;
  startTime?: string;
  endTime?: string;
  durationMs?: number;
  /** Present when the run completed. */
  result?: unknown;
  /** Present when the run failed. */
  error?: { type?: string; message: string };
  parentFlowRunId?: string;
  /** Link to the run in the Temporal Web UI. */
  webUrl?: string;
  taskRuns: TaskRun[];
}

/** A started flow run. */
export class FlowRunHandle<R = unknown> {
  constructor(
    private readonly client: BatonClient,
    readonly id: string,
    readonly flowName: string,
    readonly runName: string | undefined,
  ) {}

  /** Waits for the run to end; returns its result or throws FlowRunFailedError. */
  result(): Promise<R> {
    return this.client.flowRuns.result<R>(this.id);
  }

  /** The run's state and task runs, now. */
  describe(): Promise<FlowRunInfo> {
    return this.client.flowRuns.get(this.id);
  }
}

/** Rebuilds the error a flow run failed with, with Baton's classes where they apply. */
function rebuildFlowError(err: WorkflowFailedError, flowRunId: string): FlowRunFailedError {
  const cause = err.cause;
  let state: State = 'Failed';
  let rebuilt: unknown = cause;
  if (cause instanceof ApplicationFailure) {
    const Known = cause.type ? errorClassesByName[cause.type] : undefined;
    if (Known) {
      const e = new Known(cause.message);
      Object.defineProperty(e, 'cause', { value: cause, configurable: true, writable: true });
      const detail = (cause.details?.[0] ?? {}) as Record<string, unknown>;
      for (const key of ['errorName', 'taskName']) if (detail[key] !== undefined) Object.assign(e, { [key]: detail[key] });
      rebuilt = e;
    }
  } else if (cause instanceof TemporalFailure) {
    const name = cause.constructor.name;
    if (name === 'TimeoutFailure') state = 'TimedOut';
    else if (name === 'CancelledFailure') state = 'Cancelled';
    else if (name === 'TerminatedFailure') state = 'Crashed';
  }
  const message = `flow run ${flowRunId} ended ${state}: ${cause?.message ?? err.message}`;
  return new FlowRunFailedError(message, flowRunId, state, { cause: rebuilt });
}

export interface BatonClientOptions {
  target: Pick<TemporalTarget, 'connectionOptions' | 'namespace' | 'webUiUrl'>;
  /** Default task queue for new runs. */
  taskQueue?: string;
  /** Flows known to this client, so runs can be started by name with validation. */
  flows?: AnyFlow[];
}

export class BatonClient {
  readonly temporal: Client;
  readonly flowRuns: FlowRuns;
  private readonly flowsByName: Map<string, AnyFlow>;

  private constructor(
    readonly connection: Connection,
    readonly options: BatonClientOptions,
  ) {
    this.temporal = new Client({ connection, namespace: options.target.namespace });
    this.flowsByName = new Map((options.flows ?? []).map((f) => [f.flowName, f]));
    this.flowRuns = new FlowRuns(this);
  }

  static async connect(options: BatonClientOptions): Promise<BatonClient> {
    const connection = await Connection.connect(options.target.connectionOptions);
    return new BatonClient(connection, options);
  }

  /** A flow known to this client, by name. */
  flow(name: string): AnyFlow | undefined {
    return this.flowsByName.get(name);
  }

  get flows(): AnyFlow[] {
    return [...this.flowsByName.values()];
  }

  /** Link to a run in the Temporal Web UI. */
  webUrl(flowRunId: string, temporalRunId?: string): string | undefined {
    const base = this.options.target.webUiUrl;
    if (!base) return undefined;
    const ns = encodeURIComponent(this.options.target.namespace);
    const id = encodeURIComponent(flowRunId);
    return `${base.replace(/\/$/, '')}/namespaces/${ns}/workflows/${id}${temporalRunId ? `/${temporalRunId}` : ''}/history`;
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}

export class FlowRuns {
  constructor(private readonly client: BatonClient) {}

  private resolveFlow(flow: AnyFlow | string): AnyFlow {
    if (typeof flow !== 'string') return flow;
    const found = this.client.flow(flow);
    if (!found) throw new NotFoundError(`no flow named '${flow}' is known to this client`);
    return found;
  }

  /**
   * Validates the parameters and starts a run. A bad parameter throws ParameterValidationError,
   * naming the field, and nothing starts.
   */
  async start<P, R>(flow: AnyFlow | string, params?: P, options: StartFlowRunOptions = {}): Promise<FlowRunHandle<R>> {
    const declared = this.resolveFlow(flow);
    const flowOptions = declared.options as FlowOptions<unknown>;
    const parsed = parseParameters(declared.flowName, flowOptions.parameters as ZodType | undefined, params ?? {});
    const runName = options.runName ?? flowRunNameFor(flowOptions, parsed) ?? friendlyRunName();
    const tags = [...new Set([...(flowOptions.tags ?? []), ...(options.tags ?? [])])];
    const flowRunId = options.flowRunId ?? `${declared.flowName}-${randomUUID()}`;
    const taskQueue = options.taskQueue ?? this.client.options.taskQueue ?? 'baton';
    if (options.startDelaySeconds !== undefined && !(options.startDelaySeconds >= 0)) {
      throw new BatonError('startDelaySeconds must be ≥ 0');
    }
    await this.client.temporal.workflow.start(declared.flowName, {
      workflowId: flowRunId,
      taskQueue,
      args: [params ?? {}],
      retry: flowRetryPolicy(flowOptions),
      workflowRunTimeout: flowOptions.timeoutSeconds ? flowOptions.timeoutSeconds * 1000 : undefined,
      startDelay: options.startDelaySeconds ? options.startDelaySeconds * 1000 : undefined,
      staticSummary: runName,
      staticDetails: flowOptions.description,
      memo: { flowVersion: flowOptions.version ?? null },
      typedSearchAttributes: [
        { key: FLOW_NAME, value: declared.flowName },
        { key: RUN_NAME, value: runName },
        ...(tags.length ? [{ key: TAGS, value: tags }] : []),
      ],
    });
    return new FlowRunHandle<R>(this.client, flowRunId, declared.flowName, runName);
  }

  /** Starts a run and waits for its result. */
  async run<P, R>(flow: AnyFlow | string, params?: P, options?: StartFlowRunOptions): Promise<R> {
    const handle = await this.start<P, R>(flow, params, options);
    return handle.result();
  }

  private handle(flowRunId: string): WorkflowHandle {
    return this.client.temporal.workflow.getHandle(flowRunId);
  }

  /** Waits for a run to end; returns its result or throws FlowRunFailedError (with the flow's error as cause). */
  async result<R>(flowRunId: string): Promise<R> {
    try {
      return (await this.handle(flowRunId).result()) as R;
    } catch (err) {
      if (err instanceof WorkflowFailedError) throw rebuildFlowError(err, flowRunId);
      if (err instanceof WorkflowNotFoundError) throw new NotFoundError(`no flow run with id '${flowRunId}'`);
      throw err;
    }
  }

  /** A run's state, parameters, result or error, and task runs, read from Temporal now. */
  async get(flowRunId: string): Promise<FlowRunInfo> {
    const handle = this.handle(flowRunId);
    let description;
    try {
      description = await handle.describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new NotFoundError(`no flow run with id '${flowRunId}'`);
      throw err;
    }
    const history = await this.client.temporal.workflow.getHandle(flowRunId, description.runId).fetchHistory();
    const events = history.events ?? [];
    const state = flowRunStateFrom(description.raw.workflowExecutionInfo?.status, events);
    const started = events[0]?.workflowExecutionStartedEventAttributes;
    const sa = description.typedSearchAttributes as TypedSearchAttributes;
    const info: FlowRunInfo = {
      id: flowRunId,
      temporalRunId: description.runId,
      flowName: description.type,
      runName: sa.get(RUN_NAME),
      state,
      tags: sa.get(TAGS) ?? [],
      parameters: started?.input?.payloads?.[0] ? decodePayload(started.input.payloads[0]) : undefined,
      startTime: description.startTime.toISOString(),
      endTime: description.closeTime?.toISOString(),
      durationMs: description.closeTime ? description.closeTime.getTime() - description.startTime.getTime() : undefined,
      parentFlowRunId: description.parentExecution?.workflowId ?? undefined,
      webUrl: this.client.webUrl(flowRunId, description.runId),
      taskRuns: taskRunsFrom(flowRunId, events, description.raw.pendingActivities ?? []),
    };
    if (state === 'Completed') info.result = await handle.result();
    else if (['Failed', 'TimedOut', 'Cancelled', 'Crashed'].includes(state)) {
      try {
        await handle.result();
      } catch (err) {
        const cause = (err as WorkflowFailedError).cause ?? (err as Error);
        info.error = {
          type: cause instanceof ApplicationFailure ? (cause.type ?? undefined) : cause.constructor.name,
          message: cause.message,
        };
      }
    }
    return info;
  }

  /** A run's task runs (and subflow runs), in the order they were scheduled. */
  async taskRuns(flowRunId: string): Promise<TaskRun[]> {
    return (await this.get(flowRunId)).taskRuns;
  }

  /** Requests cancellation; the flow's cleanup code still runs. */
  async cancel(flowRunId: string): Promise<void> {
    await this.handle(flowRunId).cancel();
  }
}
