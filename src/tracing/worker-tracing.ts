/**
 * What a traced worker adds to Temporal's worker: Temporal's OpenTelemetry interceptors on the
 * flow side (bundled into the sandbox: a flow run's span, and one per task scheduled and subflow
 * started) and on the task side (a span per task attempt, parented by the flow's through the
 * activity's headers), Baton's names on those spans, and the sink through which spans made in the
 * sandbox reach the process's exporter. Loaded only when the process traces.
 */
import { trace, createTraceState, type Attributes, type SpanContext } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { Context as ActivityContext } from '@temporalio/activity';
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  type OpenTelemetrySinks,
  type SerializableSpan,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, InjectedSinks, Next, WorkerInterceptors } from '@temporalio/worker';
import type { WorkflowInfo } from '@temporalio/workflow';
import { RUN_NAME } from '../core/search-attributes';
import type { Tracing } from './tracing';

/** Span attribute names Baton sets: a flow run's and a task run's names and ids. */
export const SPAN_ATTRIBUTES = {
  flowName: 'baton.flow.name',
  flowRunId: 'baton.flow_run.id',
  flowRunName: 'baton.flow_run.name',
  parentFlowRunId: 'baton.flow_run.parent_id',
  taskName: 'baton.task.name',
  taskRunId: 'baton.task_run.id',
  /** Set in the sandbox, on the span of the task's scheduling (src/workflows/tracing-interceptors.ts). */
  taskRunName: 'baton.task_run.name',
  attempt: 'baton.task_run.attempt',
} as const;

/** The workflow interceptor modules of a traced bundle: Temporal's spans first, then Baton's names on them. */
export const WORKFLOW_INTERCEPTOR_MODULES: readonly string[] = [
  require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors'),
  require.resolve('../workflows/tracing-interceptors'),
];

/**
 * Names a task attempt's span (Temporal's `RunActivity:<task>`, which is active when this runs):
 * the flow run, the task run and its attempt. Arguments are never put on spans: they may hold secrets.
 */
class TaskSpanNames implements ActivityInboundCallsInterceptor {
  constructor(
    private readonly ctx: ActivityContext,
    private readonly tasks: ReadonlySet<string>,
  ) {}

  execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const span = trace.getActiveSpan();
    if (span) {
      const info = this.ctx.info;
      const flowRunId = info.workflowExecution?.workflowId;
      const attributes: Attributes = { [SPAN_ATTRIBUTES.attempt]: info.attempt };
      if (flowRunId) {
        attributes[SPAN_ATTRIBUTES.flowRunId] = flowRunId;
        attributes[SPAN_ATTRIBUTES.taskRunId] = `${flowRunId}:${info.activityId}`;
      }
      if (info.workflowType) attributes[SPAN_ATTRIBUTES.flowName] = info.workflowType;
      // Baton's own activities (cache lookups, events) keep Temporal's name only.
      if (this.tasks.has(info.activityType)) attributes[SPAN_ATTRIBUTES.taskName] = info.activityType;
      span.setAttributes(attributes);
    }
    return next(input);
  }
}

/** The worker's activity interceptors: Temporal's span per attempt, then Baton's names on it. */
export function activityInterceptors(taskNames: Iterable<string>): NonNullable<WorkerInterceptors['activity']> {
  const tasks = new Set(taskNames);
  return [
    (ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) }),
    (ctx) => ({ inbound: new TaskSpanNames(ctx, tasks) }),
  ];
}

/** The first value of a keyword search attribute in a workflow info that crossed from the sandbox. */
function keyword(info: WorkflowInfo, name: string): string | undefined {
  // The untyped record: the typed map is a class instance, which the copy out of the sandbox may not keep.
  const values = (info.searchAttributes as Record<string, unknown[]> | undefined)?.[name];
  return Array.isArray(values) && typeof values[0] === 'string' ? values[0] : undefined;
}

/**
 * Baton's names for every span of a flow run. Picked field by field from the workflow info: it
 * also holds the run's memo and last result, which are not for spans.
 */
export function flowRunAttributes(info: WorkflowInfo): Attributes {
  const attributes: Attributes = {
    [SPAN_ATTRIBUTES.flowName]: info.workflowType,
    [SPAN_ATTRIBUTES.flowRunId]: info.workflowId,
    temporalWorkflowId: info.workflowId,
    temporalRunId: info.runId,
  };
  const runName = keyword(info, RUN_NAME.name);
  if (runName) attributes[SPAN_ATTRIBUTES.flowRunName] = runName;
  if (info.parent) attributes[SPAN_ATTRIBUTES.parentFlowRunId] = info.parent.workflowId;
  return attributes;
}

/** A span made in the sandbox, as the exporter reads spans. */
function readableSpan(span: SerializableSpan, info: WorkflowInfo, tracing: Tracing): ReadableSpan {
  const { spanContext: serialized, ...rest } = span;
  const { traceState, ...ids } = serialized;
  const spanContext: SpanContext = { ...ids, traceState: traceState ? createTraceState(traceState) : undefined };
  return {
    ...rest,
    attributes: { ...span.attributes, ...flowRunAttributes(info) },
    spanContext: () => spanContext,
    resource: tracing.resource,
  };
}

/** The same sink for a replay, which exports nothing (the SDK calls no sink while replaying). */
export function replaySpanSinks(): InjectedSinks<OpenTelemetrySinks> {
  return { exporter: { export: { fn: () => undefined, callDuringReplay: false } } };
}

/**
 * The sink the sandbox's interceptors export their spans through (Temporal's name for it is
 * `exporter`). Not called while a worker replays a history: those spans were exported when the
 * run first went through them.
 */
export function workflowSpanSinks(tracing: Tracing): InjectedSinks<OpenTelemetrySinks> {
  return {
    exporter: {
      export: {
        fn: (info: WorkflowInfo, spans: SerializableSpan[]) => {
          for (const span of spans) tracing.spanProcessor.onEnd(readableSpan(span, info, tracing));
        },
        callDuringReplay: false,
      },
    },
  };
}
