/** The error a flow run ended with, as the client hands it to callers. */
import type { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, TerminatedFailure, TimeoutFailure } from '@temporalio/common';
import { FlowRunFailedError } from '../core/errors';
import { errorFromFailure } from '../core/failure-details';
import type { State } from '../core/states';

/** Rebuilds the error a flow run failed with, with Baton's classes where they apply. */
export function rebuildFlowError(err: WorkflowFailedError, flowRunId: string): FlowRunFailedError {
  const cause = err.cause;
  let state: State = 'Failed';
  let rebuilt: unknown = cause;
  if (cause instanceof ApplicationFailure) {
    // The flow's own timeout, or a pause or approval nobody answered in time.
    if (cause.type === 'FlowTimeoutError' || cause.type === 'WaitTimeoutError') state = 'TimedOut';
    const e = errorFromFailure(cause);
    if (e) {
      Object.defineProperty(e, 'cause', { value: cause, configurable: true, writable: true });
      rebuilt = e;
    }
  } else if (cause instanceof TimeoutFailure) state = 'TimedOut';
  else if (cause instanceof CancelledFailure) state = 'Cancelled';
  else if (cause instanceof TerminatedFailure) state = 'Crashed';
  const message = `flow run ${flowRunId} ended ${state}: ${cause?.message ?? err.message}`;
  return new FlowRunFailedError(message, flowRunId, state, { cause: rebuilt });
}
