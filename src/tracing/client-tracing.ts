/**
 * Temporal client interceptors for a traced process: starting, signalling or updating a flow run
 * makes a span of the active trace and passes its context in the workflow's headers, so the run
 * (and its task runs and subflows) joins the trace of whatever started it. Loaded only when the
 * process traces.
 */
import type { ClientInterceptors } from '@temporalio/client';
// The client part alone: an API process never loads the worker's or the sandbox's halves.
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client';

export function clientInterceptors(): ClientInterceptors {
  return { workflow: [new OpenTelemetryWorkflowClientInterceptor()] };
}
