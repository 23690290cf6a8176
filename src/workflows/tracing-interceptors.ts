/**
 * Bundled only into a traced worker's flow bundle, after Temporal's OpenTelemetry interceptors:
 * names the span Temporal opens for each task a flow schedules (`StartActivity:<task>`) with the
 * task run's name, the summary the Web UI shows. Sets span attributes only: it issues no command,
 * so a run's history is the same with it or without it.
 */
import { trace } from '@opentelemetry/api';
import type { ActivityInput, LocalActivityInput, Next, WorkflowInterceptors, WorkflowOutboundCallsInterceptor } from '@temporalio/workflow';

/** The attribute, as the worker's other span names (src/tracing/worker-tracing.ts). */
const TASK_RUN_NAME = 'baton.task_run.name';

function nameSpan(input: ActivityInput | LocalActivityInput): void {
  const summary = input.options.summary;
  if (summary) trace.getActiveSpan()?.setAttribute(TASK_RUN_NAME, summary);
}

class TaskRunNames implements WorkflowOutboundCallsInterceptor {
  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>): Promise<unknown> {
    nameSpan(input);
    return next(input);
  }

  scheduleLocalActivity(input: LocalActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>): Promise<unknown> {
    nameSpan(input);
    return next(input);
  }
}

export const interceptors = (): WorkflowInterceptors => ({ outbound: [new TaskRunNames()] });
