/**
 * Failures crossing the flow's edges. A task or subflow failure reaches flow code as the Baton
 * error the task threw (NonRetryableError, TaskTimeoutError...) or a TaskFailedError naming the
 * original error; an error leaving a flow becomes a Temporal ApplicationFailure that fails the run
 * (Prefect semantics) and keeps its type, so the client can rebuild it. Sandbox-safe.
 */
import { ActivityFailure, ApplicationFailure, CancelledFailure, ChildWorkflowFailure, isCancellation, TemporalFailure, TimeoutFailure } from '@temporalio/workflow';
import { BatonError, rebuildBatonError, TaskFailedError, TaskTimeoutError } from '../core/errors';
import { detailOf, errorFromFailure, failureFor } from '../core/failure-details';

function withCause<E extends Error>(error: E, cause: unknown): E {
  Object.defineProperty(error, 'cause', { value: cause, configurable: true, writable: true });
  return error;
}

/**
 * The error flow code sees when a task run fails: NonRetryableError and TaskTimeoutError keep
 * their class; anything else is a TaskFailedError whose `errorName` says what the task threw.
 * All carry `taskName`.
 */
export function taskError(err: unknown, taskName: string): unknown {
  if (!(err instanceof ActivityFailure)) return err;
  const cause = err.cause;
  if (cause instanceof CancelledFailure || isCancellation(cause)) return err;
  let error: BatonError;
  if (cause instanceof TimeoutFailure) {
    error = withCause(new TaskTimeoutError(`task ${taskName} timed out (${cause.timeoutType ?? 'timeout'})`), err);
  } else if (cause instanceof ApplicationFailure) {
    const type = cause.type ?? 'Error';
    const detail = detailOf(cause);
    const kept = type === 'NonRetryableError' || type === 'TaskTimeoutError' ? rebuildBatonError(type, cause.message, detail) : undefined;
    error = withCause(kept ?? new TaskFailedError(cause.message), err);
    if (error instanceof TaskFailedError) {
      error.errorName = typeof detail.errorName === 'string' ? detail.errorName : type;
      error.attempts = typeof detail.failures === 'number' ? detail.failures : 0;
    }
  } else {
    error = withCause(new TaskFailedError(cause?.message ?? err.message), err);
  }
  Object.assign(error, { taskName });
  return error;
}

/** The error flow code sees when a subflow run fails: the error the subflow failed with. */
export function subflowError(err: unknown): unknown {
  if (!(err instanceof ChildWorkflowFailure)) return err;
  const cause = err.cause;
  if (!(cause instanceof ApplicationFailure)) return err;
  const rebuilt = errorFromFailure(cause);
  if (rebuilt) return withCause(rebuilt, err);
  const error = withCause(new TaskFailedError(cause.message), err);
  error.errorName = cause.type ?? 'Error';
  return error;
}

/** Turns whatever a flow threw into the failure that ends its run. */
export function flowFailure(err: unknown): unknown {
  if (isCancellation(err)) return err;
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof TemporalFailure && !(err instanceof ActivityFailure) && !(err instanceof ChildWorkflowFailure)) {
    return err;
  }
  return failureFor(err instanceof Error ? err : new Error(String(err)));
}
