/**
 * Flow runs, client side (`client.flowRuns`): start runs (parameters parsed at the edge and sent
 * complete), read one run or a list in Baton's states, wait for results, cancel, pause, unpause,
 * and retry a run that ended (from its first failure, or as a new run).
 */
import { createHash, randomInt, randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, type Payload, type TypedSearchAttributes } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { ZodType } from 'zod';
import { BatonError, ConflictError, NotFoundError, PayloadDecryptionError } from '../core/errors';
import {
  canonicalJson,
  PARAMETERS_HASH_MEMO,
  flowRetryPolicy,
  flowRunNameFor,
  parametersToSend,
  parseParameters,
  PARSED_PARAMETERS_MEMO,
  type FlowOptions,
} from '../core/flow-options';
import { PAUSE_SIGNAL, RESUME_SIGNAL } from '../core/human';
import { friendlyName } from '../core/run-name';
import type { FlowRun, FlowRunList, FlowRunSummary, ListFlowRunsQuery } from '../core/schemas';
import { DEPLOYMENT, FLOW_NAME, RUN_NAME, RUN_STATE, TAGS } from '../core/search-attributes';
import { isFinal } from '../core/states';
import type { AnyFlow, Flow } from '../workflows/flow';
import type { ClientContext } from './client-context';
import { CANCEL_REASON_MEMO } from '../core/concurrency-limits';
import { FlowRunHandle } from './flow-run-handle';
import { readFlowRunStream, readFlowRunStreamPage, type ReadStreamOptions } from './flow-run-stream';
import type { StreamItem, StreamPage, StreamRequest } from '../core/stream';
import { rebuildFlowError } from './flow-run-error';
import { flowRunState, latestAttempts, stateClause } from './flow-run-state';
import { taskRunsFrom, type TaskRun } from './task-runs';
import { dateOf, decodePayload, decryptInPlace, flowRunNotFound, isoTime, keywordOf } from './temporal-values';
import { resetPoint } from './reset-point';
import { pageTokenBytes, pageTokenText, quote } from './visibility';

/** A readable default run name, as Prefect gives (`brisk-otter`). */
export function friendlyRunName(): string {
  return friendlyName((n) => randomInt(n));
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
  /** The deployment the run belongs to (search attribute BatonDeployment). */
  deployment?: string;
  /** The same key (per deployment, or per flow without one) returns the same run, never a second one. */
  idempotencyKey?: string;
  /** The run this one retries. */
  retryOf?: string;
  /** More memo fields (a deployment run's concurrency limit). */
  memo?: Record<string, unknown>;
}

/**
 * How `retry` goes on with a run that ended: `from-failure` continues the same run from its first
 * failed task (a Temporal reset, keeping what completed before it); `restart` starts a new run with
 * the same parameters. (To resume is to let a paused run go on: `resume`.)
 */
export type RetryMode = 'from-failure' | 'restart';

export class FlowRuns {
  constructor(private readonly ctx: ClientContext) {}

  private resolveFlow(flow: AnyFlow | string): AnyFlow {
    if (typeof flow !== 'string') return flow;
    const found = this.ctx.flow(flow);
    if (!found) throw new NotFoundError(`no flow named '${flow}' is known to this client`);
    return found;
  }

  /**
   * Validates the parameters and starts a run. A bad parameter throws ParameterValidationError,
   * naming the field, and nothing starts.
   */
  start<P, R>(flow: Flow<P, R>, params?: P, options?: StartFlowRunOptions): Promise<FlowRunHandle<R>>;
  start<P = unknown, R = unknown>(flow: AnyFlow | string, params?: P, options?: StartFlowRunOptions): Promise<FlowRunHandle<R>>;
  async start<R>(flow: AnyFlow | string, params?: unknown, options: StartFlowRunOptions = {}): Promise<FlowRunHandle<R>> {
    return (await this.startWithKey<unknown, R>(flow, params, options)).handle;
  }

  /**
   * Like `start`, and tells whether the run was created (false when an idempotency key
   * matched an existing run, which is returned instead).
   */
  async startWithKey<P, R>(flow: AnyFlow | string, params?: P, options: StartFlowRunOptions = {}): Promise<{ handle: FlowRunHandle<R>; created: boolean }> {
    const declared = this.resolveFlow(flow);
    const flowOptions = declared.options as FlowOptions<unknown>;
    const parsed = parseParameters(declared.flowName, flowOptions.parameters as ZodType | undefined, params ?? {});
    const runName = options.runName ?? flowRunNameFor(flowOptions, parsed) ?? friendlyRunName();
    const tags = [...new Set([...(flowOptions.tags ?? []), ...(options.tags ?? [])])];
    const keyed = options.idempotencyKey
      ? `${options.deployment ?? declared.flowName}-${createHash('sha256').update(options.idempotencyKey).digest('hex').slice(0, 32)}`
      : undefined;
    const flowRunId = options.flowRunId ?? keyed ?? `${declared.flowName}-${randomUUID()}`;
    const taskQueue = options.taskQueue ?? this.ctx.defaultTaskQueue;
    if (options.startDelaySeconds !== undefined && !(options.startDelaySeconds >= 0)) {
      throw new BatonError('startDelaySeconds must be ≥ 0');
    }
    const sent = parametersToSend(parsed);
    // A keyed run remembers what it was started with, so the same key with other parameters is refused.
    const parametersHash = keyed ? createHash('sha256').update(canonicalJson(sent)).digest('hex') : undefined;
    try {
      await this.ctx.temporal.workflow.start(declared.flowName, {
        workflowId: flowRunId,
        // An idempotency key names one run forever, even after it has finished.
        workflowIdReusePolicy: keyed ? 'REJECT_DUPLICATE' : undefined,
        taskQueue,
        args: [sent],
        retry: flowRetryPolicy(flowOptions),
        startDelay: options.startDelaySeconds ? options.startDelaySeconds * 1000 : undefined,
        staticSummary: runName,
        staticDetails: flowOptions.description,
        memo: {
          ...PARSED_PARAMETERS_MEMO,
          flowVersion: flowOptions.version ?? null,
          ...(options.deployment ? { deployment: options.deployment } : {}),
          ...(options.retryOf ? { retryOf: options.retryOf } : {}),
          ...(parametersHash ? { [PARAMETERS_HASH_MEMO]: parametersHash } : {}),
          ...options.memo,
        },
        typedSearchAttributes: [
          { key: FLOW_NAME, value: declared.flowName },
          { key: RUN_NAME, value: runName },
          { key: RUN_STATE, value: options.startDelaySeconds ? 'Scheduled' : 'Pending' },
          ...(tags.length ? [{ key: TAGS, value: tags }] : []),
          ...(options.deployment ? [{ key: DEPLOYMENT, value: options.deployment }] : []),
        ],
      });
    } catch (err) {
      if (keyed && err instanceof WorkflowExecutionAlreadyStartedError) {
        const existing = await this.ctx.temporal.workflow.getHandle(flowRunId).describe();
        const earlier = existing.memo?.[PARAMETERS_HASH_MEMO];
        if (typeof earlier === 'string' && earlier !== parametersHash) {
          throw new ConflictError(`idempotency key '${options.idempotencyKey}' was already used for flow run ${flowRunId} with other parameters`);
        }
        const name = existing.typedSearchAttributes.get(RUN_NAME);
        return { handle: new FlowRunHandle<R>(this, flowRunId, existing.type, name), created: false };
      }
      throw err;
    }
    return { handle: new FlowRunHandle<R>(this, flowRunId, declared.flowName, runName), created: true };
  }

  /** Starts a run and waits for its result. */
  run<P, R>(flow: Flow<P, R>, params?: P, options?: StartFlowRunOptions): Promise<R>;
  run<P = unknown, R = unknown>(flow: AnyFlow | string, params?: P, options?: StartFlowRunOptions): Promise<R>;
  async run<R>(flow: AnyFlow | string, params?: unknown, options?: StartFlowRunOptions): Promise<R> {
    const handle = await this.start<unknown, R>(flow, params, options);
    return handle.result();
  }

  /** A payload from history, through the codecs (large payloads) and the default converter. */
  private async decode(payload: Payload): Promise<unknown> {
    let payloads = [payload];
    const codecs = this.ctx.payloadCodecs;
    for (const codec of [...codecs].reverse()) payloads = await codec.decode(payloads);
    return decodePayload(payloads[0]);
  }

  /**
   * A run's stream as it is written: what the flow `emit()`s and `yield`s and its tasks
   * `stream()`, in order, each item once, from the start or from a place (`from`), ending when the
   * flow's body has ended. Iterate with `for await`; break (or abort `signal`) to stop reading.
   */
  stream(flowRunId: string, options: ReadStreamOptions = {}): AsyncIterable<StreamItem> {
    return { [Symbol.asyncIterator]: () => readFlowRunStream(this.ctx, flowRunId, options) };
  }

  /** One read of a run's stream: what is there after `from` now, without waiting (see `stream` to follow it). */
  streamPage(flowRunId: string, request: StreamRequest = {}): Promise<StreamPage> {
    return readFlowRunStreamPage(this.ctx, flowRunId, request);
  }

  private handle(flowRunId: string): WorkflowHandle {
    return this.ctx.temporal.workflow.getHandle(flowRunId);
  }

  /** Waits for a run to end; returns its result or throws FlowRunFailedError (with the flow's error as cause). */
  async result<R>(flowRunId: string): Promise<R> {
    try {
      return (await this.handle(flowRunId).result()) as R;
    } catch (err) {
      if (err instanceof WorkflowFailedError) throw rebuildFlowError(err, flowRunId);
      throw flowRunNotFound(err, flowRunId);
    }
  }

  /** A run's state, parameters, result or error, and task runs, read from Temporal now. */
  async get(flowRunId: string): Promise<FlowRun> {
    const handle = this.handle(flowRunId);
    let description;
    try {
      description = await handle.describe();
    } catch (err) {
      throw flowRunNotFound(err, flowRunId);
    }
    const history = await this.ctx.temporal.workflow.getHandle(flowRunId, description.runId).fetchHistory();
    const events = history.events ?? [];
    // Task runs' names (summaries) and failure details are read with the plain converter: encrypted, they are decrypted first.
    await decryptInPlace(this.ctx.payloadCodecs, events);
    const sa = description.typedSearchAttributes as TypedSearchAttributes;
    const execution = description.raw.workflowExecutionInfo;
    const state = flowRunState({
      status: execution?.status,
      batonState: sa.get(RUN_STATE),
      executionTime: dateOf(execution?.executionTime),
      now: new Date(),
    });
    const started = events[0]?.workflowExecutionStartedEventAttributes;
    const info: FlowRun = {
      id: flowRunId,
      temporalRunId: description.runId,
      flowName: description.type,
      runName: sa.get(RUN_NAME),
      state,
      tags: sa.get(TAGS) ?? [],
      deployment: sa.get(DEPLOYMENT),
      parameters: started?.input?.payloads?.[0] ? await this.decode(started.input.payloads[0] as Payload).catch(unreadable) : undefined,
      startTime: description.startTime.toISOString(),
      endTime: description.closeTime?.toISOString(),
      durationMs: description.closeTime ? description.closeTime.getTime() - description.startTime.getTime() : undefined,
      parentFlowRunId: description.parentExecution?.workflowId ?? undefined,
      retryOf: typeof description.memo?.retryOf === 'string' ? description.memo.retryOf : undefined,
      childFlowRunIds: [],
      webUrl: this.ctx.webUrl(flowRunId, description.runId),
      taskRuns: taskRunsFrom(flowRunId, events, description.raw.pendingActivities ?? [], description.closeTime !== undefined),
    };
    info.childFlowRunIds = info.taskRuns.filter((r) => r.kind === 'subflow').map((r) => r.id);
    if (state === 'Completed') info.result = await handle.result().catch(unreadable);
    else if (['Failed', 'TimedOut', 'Cancelled', 'Crashed'].includes(state)) {
      try {
        await handle.result();
      } catch (err) {
        const cause = (err as WorkflowFailedError).cause ?? (err as Error);
        info.error = {
          type: cause instanceof ApplicationFailure ? (cause.type ?? undefined) : cause.constructor.name,
          message: cause.message,
        };
        // A run Baton cancelled itself (a deployment's CANCEL_NEW collision) says why.
        const reason = description.memo?.[CANCEL_REASON_MEMO];
        if (state === 'Cancelled' && typeof reason === 'string') info.error = { type: 'ConcurrencyLimitCollision', message: reason };
      }
    }
    return info;
  }

  /** A run's task runs (and subflow runs), in the order they were scheduled. */
  async taskRuns(flowRunId: string): Promise<TaskRun[]> {
    return (await this.get(flowRunId)).taskRuns;
  }

  /** The handle of a run that is still running; NotFoundError or ConflictError otherwise. */
  /**
   * Acts on a run that is running. A run that has ended is a ConflictError, also when it ends
   * between the check and the act (Temporal then answers "workflow execution already completed").
   */
  private async whileRunning(flowRunId: string, action: string, act: (handle: WorkflowHandle) => Promise<void>): Promise<void> {
    const handle = this.handle(flowRunId);
    let status: string;
    try {
      status = (await handle.describe()).status.name;
    } catch (err) {
      throw flowRunNotFound(err, flowRunId);
    }
    if (status !== 'RUNNING') {
      throw new ConflictError(`cannot ${action} flow run ${flowRunId}: it has already ended (${status.toLowerCase()})`);
    }
    try {
      await act(handle);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new ConflictError(`cannot ${action} flow run ${flowRunId}: it ended while the ${action} was on its way`);
      throw err;
    }
  }

  /** Requests cancellation; the flow's cleanup code still runs. A finished run is a ConflictError. */
  cancel(flowRunId: string): Promise<void> {
    return this.whileRunning(flowRunId, 'cancel', async (handle) => {
      await handle.cancel();
    });
  }

  /** Pauses a running flow: it starts no new task (running ones finish) until resumed. */
  pause(flowRunId: string, by?: string): Promise<void> {
    return this.whileRunning(flowRunId, 'pause', (handle) => handle.signal(PAUSE_SIGNAL, { by }));
  }

  /** Resumes a paused flow: everything, or only the `pause({ key })` with that key. */
  resume(flowRunId: string, options: { key?: string; by?: string } = {}): Promise<void> {
    return this.whileRunning(flowRunId, 'resume', (handle) => handle.signal(RESUME_SIGNAL, options));
  }

  /**
   * Retries a run that ended. `from-failure` (the default for a failed or timed-out run) continues the
   * same flow run from its first failed task, keeping every result that came before it: Temporal
   * resets the workflow to the point where that task was scheduled. `restart` (the default
   * otherwise) starts a new run with the same parameters, linked to this one.
   */
  async retry<R>(flowRunId: string, options: { mode?: RetryMode } = {}): Promise<{ handle: FlowRunHandle<R>; mode: RetryMode }> {
    const info = await this.get(flowRunId);
    if (!isFinal(info.state) && info.state !== 'Crashed') {
      throw new ConflictError(`flow run ${flowRunId} is still ${info.state}; retry it once it has ended`);
    }
    const mode: RetryMode = options.mode ?? (info.state === 'Failed' || info.state === 'TimedOut' ? 'from-failure' : 'restart');
    if (mode === 'from-failure') {
      if (info.state === 'Completed' || info.state === 'Cached') {
        throw new ConflictError(`flow run ${flowRunId} completed: there is no failure to continue from (use mode 'restart')`);
      }
      await this.resetToFirstFailure(flowRunId, info.temporalRunId);
      return { handle: new FlowRunHandle<R>(this, flowRunId, info.flowName, info.runName), mode };
    }
    return { handle: await this.restart<R>(flowRunId, info), mode };
  }

  /** Resets the run to the workflow task that scheduled its first failed task (or its last one). */
  private async resetToFirstFailure(flowRunId: string, temporalRunId: string): Promise<void> {
    const history = await this.ctx.temporal.workflow.getHandle(flowRunId, temporalRunId).fetchHistory();
    const point = resetPoint(history.events ?? []);
    if (point === undefined) throw new ConflictError(`flow run ${flowRunId} has no point to continue from`);
    await this.ctx.workflowService.resetWorkflowExecution({
      namespace: this.ctx.namespace,
      workflowExecution: { workflowId: flowRunId, runId: temporalRunId },
      reason: 'baton: retry from the first failure',
      workflowTaskFinishEventId: point as never,
      requestId: randomUUID(),
    });
  }

  private async restart<R>(flowRunId: string, info: FlowRun): Promise<FlowRunHandle<R>> {
    const flow = this.ctx.flow(info.flowName);
    if (!flow) throw new NotFoundError(`flow '${info.flowName}' of run ${flowRunId} is not registered here`);
    const description = await this.handle(flowRunId).describe();
    return this.start<unknown, R>(flow, info.parameters, {
      deployment: info.deployment,
      taskQueue: description.taskQueue,
      tags: info.tags,
      retryOf: flowRunId,
    });
  }

  /** Flow runs in Temporal's visibility order (still going first, then the latest ended), filtered by deployment, flow, state, tag, run-name prefix and start time. */
  async list(query: Partial<ListFlowRunsQuery> = {}): Promise<FlowRunList> {
    const clauses = [`${FLOW_NAME.name} IS NOT NULL`, latestAttempts()];
    if (query.deployment) clauses.push(`${DEPLOYMENT.name} = ${quote(query.deployment)}`);
    if (query.flow) clauses.push(`${FLOW_NAME.name} = ${quote(query.flow)}`);
    if (query.tag) clauses.push(`${TAGS.name} = ${quote(query.tag)}`);
    if (query.name) clauses.push(`${RUN_NAME.name} STARTS_WITH ${quote(query.name)}`);
    if (query.since) clauses.push(`StartTime >= ${quote(new Date(query.since).toISOString())}`);
    if (query.until) clauses.push(`StartTime < ${quote(new Date(query.until).toISOString())}`);
    const now = new Date();
    if (query.state) clauses.push(stateClause(query.state, now));
    const response = await this.ctx.workflowService.listWorkflowExecutions({
      namespace: this.ctx.namespace,
      pageSize: query.pageSize ?? 50,
      nextPageToken: pageTokenBytes(query.pageToken),
      query: clauses.join(' AND '),
    });
    const flowRuns = (response.executions ?? []).map((e) => summaryOf(e, now));
    return { flowRuns, nextPageToken: pageTokenText(response.nextPageToken) };
  }
}

function summaryOf(e: temporal.api.workflow.v1.IWorkflowExecutionInfo, now: Date): FlowRunSummary {
  const fields = e.searchAttributes?.indexedFields ?? {};
  const tags = decodePayload(fields[TAGS.name] as never);
  return {
    id: e.execution?.workflowId ?? '',
    flowName: e.type?.name ?? '',
    runName: keywordOf(fields[RUN_NAME.name]),
    state: flowRunState({ status: e.status, batonState: keywordOf(fields[RUN_STATE.name]), executionTime: dateOf(e.executionTime), now }),
    deployment: keywordOf(fields[DEPLOYMENT.name]),
    tags: Array.isArray(tags) ? (tags as string[]) : [],
    startTime: isoTime(e.startTime),
    endTime: isoTime(e.closeTime),
  };
}

/**
 * What stands in for a value that cannot be read (a large value whose blob is gone): the run is
 * still shown, with the reason in place of the value.
 */
function unreadable(err: unknown): { batonUnreadable: string } {
  // A key this process lacks is its configuration's fault, not the run's: said as such (and a
  // restart never starts a new run with a stand-in for its parameters).
  if (err instanceof PayloadDecryptionError) throw err;
  return { batonUnreadable: err instanceof Error ? err.message : String(err) };
}
