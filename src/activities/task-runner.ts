/**
 * Runs a task as a Temporal activity: sets up its run context and logger, heartbeats while it
 * runs, enforces its timeout, and turns its failures into Temporal failures that carry Baton's
 * retry decision (retry after a delay, or stop).
 *
 * Retries are counted in the heartbeat details, not by Temporal's attempt number, so an attempt
 * lost to a crashed worker (a heartbeat timeout) re-runs the task without using up its retries.
 */
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import { NonRetryableError, RetryAfterError, TaskTimeoutError } from '../shared/errors';
import { retryDelayFor, type TaskSpec } from '../shared/task-options';
import type { Task } from './task';
import { runWithContext, type RunContext } from './run-context';

interface AttemptDetails {
  /** Failed attempts before this one. */
  failures: number;
  /** What the task last passed to `heartbeat()`. */
  user?: unknown;
}

function readDetails(raw: unknown): AttemptDetails {
  if (raw && typeof raw === 'object' && typeof (raw as AttemptDetails).failures === 'number') {
    return raw as AttemptDetails;
  }
  return { failures: 0 };
}

function matches(err: unknown, matcher: NonNullable<Task['options']['nonRetryableErrors']>[number]): boolean {
  if (typeof matcher === 'string') return (err as Error)?.name === matcher;
  return err instanceof matcher;
}

/** Builds the activity function that runs `t`. */
export function taskActivity(t: Task, spec: TaskSpec, baseLogger: Logger): (...args: unknown[]) => Promise<unknown> {
  const options = t.options;
  const run = async (...args: unknown[]): Promise<unknown> => {
    const ctx = Context.current();
    const info = ctx.info;
    const previous = readDetails(info.heartbeatDetails);
    const failures = previous.failures;
    let details: AttemptDetails = { failures, user: previous.user };
    const flowRunId = info.workflowExecution?.workflowId ?? '';
    const taskRunId = `${flowRunId}:${info.activityId}`;
    const logger = baseLogger.child({ flowRunId, taskRunId, taskName: spec.name, attempt: info.attempt });
    const controller = new AbortController();
    const onCancel = () => controller.abort(ctx.cancellationSignal.reason);
    ctx.cancellationSignal.addEventListener('abort', onCancel);

    const heartbeat = (user?: unknown) => {
      if (user !== undefined) details = { failures, user };
      ctx.heartbeat(details);
    };
    const ticker = setInterval(() => ctx.heartbeat(details), Math.max(100, (spec.heartbeatSeconds * 1000) / 3));
    let timer: NodeJS.Timeout | undefined;
    const context: RunContext & { logPrints: boolean } = {
      flowRunId,
      flowName: info.workflowType ?? '',
      taskRunId,
      taskName: spec.name,
      attempt: info.attempt,
      failures,
      logger,
      signal: controller.signal,
      heartbeat,
      logPrints: options.logPrints ?? false,
    };
    try {
      const work = runWithContext(context, () => Promise.resolve().then(() => t.fn(...args)));
      if (spec.timeoutSeconds === undefined) return await work;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const err = new TaskTimeoutError(`task ${spec.name} timed out after ${spec.timeoutSeconds} s`);
          controller.abort(err);
          reject(err);
        }, spec.timeoutSeconds! * 1000);
      });
      return await Promise.race([work, timeout]);
    } catch (err) {
      if (err instanceof CancelledFailure || (ctx.cancellationSignal.aborted && controller.signal.reason === err)) {
        throw err;
      }
      throw await decide(err, context);
    } finally {
      clearInterval(ticker);
      if (timer) clearTimeout(timer);
      ctx.cancellationSignal.removeEventListener('abort', onCancel);
    }
  };

  /** Turns a task's error into a Temporal failure that says whether, and when, to retry. */
  const decide = async (err: unknown, context: RunContext): Promise<ApplicationFailure> => {
    const failuresNow = context.failures + 1;
    const error = err instanceof Error ? err : new Error(String(err));
    let reason: string | undefined;
    if (err instanceof ApplicationFailure && err.nonRetryable) reason = 'non-retryable';
    else if (err instanceof NonRetryableError) reason = 'NonRetryableError';
    else if ((options.nonRetryableErrors ?? []).some((m) => matches(err, m))) reason = `${error.name} never retries`;
    else if (failuresNow > spec.retries) reason = spec.retries === 0 ? 'no retries' : `all ${spec.retries} retries used`;
    else if (options.retryCondition) {
      try {
        if (!(await options.retryCondition(err, { ...context, failures: failuresNow }))) reason = 'retryCondition said no';
      } catch (conditionError) {
        reason = `retryCondition threw: ${(conditionError as Error)?.message ?? conditionError}`;
      }
    }
    const type = err instanceof ApplicationFailure && err.type ? err.type : error.name || 'Error';
    const detail = {
      code: (err as { code?: unknown })?.code,
      taskName: spec.name,
      failures: failuresNow,
      retries: spec.retries,
    };
    if (reason) {
      context.logger.error({ err: error }, `task failed (${reason}): ${error.message}`);
      const failure = ApplicationFailure.create({ message: error.message, type, nonRetryable: true, details: [detail] });
      failure.stack = error.stack ?? failure.stack;
      return failure;
    }
    let delay =
      err instanceof RetryAfterError ? err.delaySeconds : retryDelayFor(options.retryDelaySeconds, failuresNow);
    if (options.retryJitterFactor) delay += Math.random() * options.retryJitterFactor * delay;
    // Record the failure count before failing, so the next attempt (on any worker) sees it.
    Context.current().heartbeat({ failures: failuresNow });
    context.logger.warn(
      { err: error, retryInSeconds: delay },
      `task failed, retry ${failuresNow} of ${spec.retries} in ${delay} s: ${error.message}`,
    );
    const failure = ApplicationFailure.create({
      message: error.message,
      type,
      nonRetryable: false,
      details: [detail],
      // Temporal treats a zero delay as unset; one millisecond is as good as immediate.
      nextRetryDelay: Math.max(1, Math.round(delay * 1000)),
    });
    failure.stack = error.stack ?? failure.stack;
    return failure;
  };
  return run;
}
