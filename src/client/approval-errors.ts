/**
 * Why a decision on an approval could not be taken, as Baton errors. A decision is a Temporal
 * update; Temporal's ways of refusing or never answering one (a rejecting validator, a worker
 * that fails the workflow task, no worker at all, a run that ends meanwhile) are translated here,
 * in one place, with the cause in the message and no stack trace or file path.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, isGrpcServiceError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { detailOf } from '../core/failure-details';
import { BatonError, ConflictError, NotFoundError, TemporalUnavailableError, ValidationError, type FieldIssue } from '../core/errors';

/** A cause fit for an answer: its first line, file paths and URLs of the machine taken out, bounded. */
export function causeText(message: string | undefined): string {
  const firstLine = (message ?? '').split('\n')[0]!.trim();
  const withoutPaths = firstLine.replace(/\bfile:\/\/\S+/g, '<file>').replace(/(?:[A-Za-z]:)?(?:[\\/][\w.@+-]+){2,}\.(?:[cm]?[jt]sx?|node)(?::\d+)*/g, '<file>');
  return withoutPaths.length > 500 ? `${withoutPaths.slice(0, 500)}…` : withoutPaths || 'no reason given';
}

function failureText(type: string | undefined, message: string | undefined): string {
  const cause = causeText(message);
  return type && type !== 'Error' && !cause.startsWith(`${type}:`) ? `${type}: ${cause}` : cause;
}

/**
 * The error class a worker's failure names: an application failure's type, or for an exception
 * that failed a workflow task (which carries only message and stack) the `TypeError: ` that heads
 * its stack. Only that name is read from the stack, never its frames.
 */
export function failureType(failure: {
  message?: string | null;
  stackTrace?: string | null;
  applicationFailureInfo?: { type?: string | null } | null;
}): string | undefined {
  const type = failure.applicationFailureInfo?.type;
  if (type) return type;
  const message = failure.message ?? '';
  const head = (failure.stackTrace ?? '').split('\n').find((line) => /^\w+: /.test(line) && line.endsWith(message));
  return head?.match(/^(\w+): /)?.[1];
}

export function describeFailure(failure: Parameters<typeof failureType>[0]): string {
  return failureText(failureType(failure), failure.message ?? undefined);
}

export interface DecisionContext {
  flowRunId: string;
  key: string;
}

/** A Baton error for what went wrong while sending the update; never the raw Temporal error. */
export function decisionError(err: unknown, { flowRunId, key }: DecisionContext): BatonError {
  if (err instanceof BatonError) return err;
  // The run was described as running just before: not finding it now means it ended meanwhile.
  if (err instanceof WorkflowNotFoundError) return new ConflictError(`flow run ${flowRunId} ended before the decision on '${key}' reached it`);
  if (err instanceof WorkflowUpdateFailedError) {
    const cause = err.cause;
    if (cause instanceof ApplicationFailure) {
      const detail = detailOf(cause) as { issues?: FieldIssue[] };
      if (cause.type === 'NotFoundError') return new NotFoundError(cause.message);
      if (cause.type === 'ConflictError') return new ConflictError(cause.message);
      if (cause.type === 'ValidationError') {
        const error = new ValidationError('approval input', detail.issues ?? []);
        Object.defineProperty(error, 'message', { value: cause.message });
        return error;
      }
      if (/^No registered handler for update/.test(cause.message)) {
        return new ConflictError(`flow run ${flowRunId} takes no approvals: it is not a Baton flow, or its worker runs a Baton without them`);
      }
      // Anything else thrown while checking the decision comes from the approval's input schema (a
      // refinement or transform that throws): the input could not be checked, so it is refused.
      const reason = `the flow's check of the input failed: ${failureText(cause.type ?? undefined, cause.message)}`;
      const error = new ValidationError('approval input', [{ path: 'input', message: reason }]);
      Object.defineProperty(error, 'message', { value: `approval '${key}' on flow run ${flowRunId} refused the decision: ${reason}` });
      return error;
    }
    return new ConflictError(`flow run ${flowRunId} refused the decision on '${key}': ${failureText(cause?.name, cause?.message ?? err.message)}`);
  }
  // The SDK wraps gRPC errors (a ServiceError from describe, say): judge by what it wraps.
  const wrapped = (err as { cause?: unknown } | null)?.cause;
  if (!isGrpcServiceError(err) && isGrpcServiceError(wrapped)) return decisionError(wrapped, { flowRunId, key });
  if (isGrpcServiceError(err)) {
    const details = causeText(err.details || err.message);
    switch (err.code) {
      case 14: // unavailable
      case 4: // deadline exceeded, outside the wait for the decision
        return new TemporalUnavailableError('Temporal is unreachable');
      case 8: // resource exhausted: too many updates in flight on this run, or a rate limit
        return new TemporalUnavailableError(`Temporal cannot take the decision on flow run ${flowRunId} now: ${details}`);
      case 3: // invalid argument: the request itself (an input too large...)
        return new ValidationError('approval decision', [{ path: 'input', message: details }]);
      default:
        return new ConflictError(`flow run ${flowRunId} could not take the decision on '${key}': ${details}`);
    }
  }
  return new ConflictError(`flow run ${flowRunId} could not take the decision on '${key}': ${causeText((err as Error)?.message ?? String(err))}`);
}

/** Whether the error says the wait for the run to take the decision ran out. */
export function isDecisionTimeout(err: unknown): boolean {
  return err instanceof WorkflowUpdateRPCTimeoutOrCancelledError;
}
