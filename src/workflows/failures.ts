/**
 * Failures crossing the flow's edges. A task or subflow failure reaches flow code as the Baton
 * error the task threw (NonRetryableError, TaskTimeoutError...) or a TaskFailedError naming the
 * original error; an error leaving a flow becomes a Temporal ApplicationFailure that fails the run
 * (Prefect semantics) and keeps its type, so the client can rebuild it. Sandbox-safe.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  ChildWorkflowFailure,
  isCancellation,
  TemporalFailure,
  TimeoutFailure,
} from '@temporalio/workflow';
import { BatonError, errorClassesByName, NonRetryableError, TaskFailedError, TaskTimeoutError } from '../shared/errors';

interface FailureDetail {
  code?: string;
  failures?: number;
  errorName?: string;
}

/** Rebuilds a Baton error from an ApplicationFailure's type, message and details. */
export function rebuildError(failure: ApplicationFailure, cause: unknown): BatonError {
  const detail = (failure.details?.[0] ?? {}) as FailureDetail;
  const type = failure.type ?? 'Error';
  const Known = errorClassesByName[type];
  const error: BatonError = Known ? new Known(failure.message) : new TaskFailedError(failure.message);
  Object.defineProperty(error, 'cause', { value: cause, configurable: true, writable: true });
  if (error instanceof TaskFailedError) {
    error.errorName = detail.errorName ?? type;
    error.attempts = detail.failures ?? 0;
  }
  return error;
}

/** The error flow code sees when a task run fails. */
export function taskError(err: unknown, taskName: string): unknown {
  if (!(err instanceof ActivityFailure)) return err;
  const cause = err.cause;
  if (cause instanceof CancelledFailure || isCancellation(cause)) return err;
  let error: BatonError;
  if (cause instanceof TimeoutFailure) {
    error = new TaskTimeoutError(`task ${taskName} timed out (${cause.timeoutType ?? 'timeout'})`);
    Object.defineProperty(error, 'cause', { value: err, configurable: true, writable: true });
  } else if (cause instanceof ApplicationFailure) {
    error = rebuildError(cause, err);
  } else {
    error = new TaskFailedError(cause?.message ?? err.message);
    Object.defineProperty(error, 'cause', { value: err, configurable: true, writable: true });
  }
  if (error instanceof TaskFailedError) error.taskName = taskName;
  return error;
}

/** The error flow code sees when a subflow run fails: the error the subflow failed with. */
export function subflowError(err: unknown): unknown {
  if (!(err instanceof ChildWorkflowFailure)) return err;
  const cause = err.cause;
  if (cause instanceof ApplicationFailure) return rebuildError(cause, err);
  return err;
}

/** Turns whatever a flow threw into the failure that ends its run. */
export function flowFailure(err: unknown): unknown {
  if (isCancellation(err)) return err;
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof TemporalFailure && !(err instanceof ActivityFailure) && !(err instanceof ChildWorkflowFailure)) {
    return err;
  }
  const error = err instanceof Error ? err : new Error(String(err));
  const cause = (error as { cause?: unknown }).cause;
  const detail: Record<string, unknown> = { code: (error as BatonError).code };
  if (error instanceof TaskFailedError) {
    detail.errorName = error.errorName;
    detail.taskName = error.taskName;
    detail.failures = error.attempts;
  }
  const failure = ApplicationFailure.create({
    message: error.message,
    type: error.name || 'Error',
    nonRetryable: error instanceof NonRetryableError,
    details: [detail],
    cause: cause instanceof Error ? cause : undefined,
  });
  failure.stack = error.stack ?? failure.stack;
  return failure;
}
