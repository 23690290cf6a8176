/**
 * Whether a failed task attempt is retried, and after how long: Prefect's retry rules, as pure
 * functions of the error, the attempt count and the task's options. The task runner evaluates the
 * user's `retryCondition` (which may be async and slow) between the two steps.
 */
import { ApplicationFailure } from '@temporalio/common';
import { NonRetryableError, RetryAfterError } from '../core/errors';
import { retryDelayFor, type TaskSpec } from '../core/task-options';
import type { TaskOptions } from './task';

/** The longest wait before a retry: 30 days. */
export const MAX_RETRY_DELAY_SECONDS = 30 * 86_400;

function matches(err: unknown, matcher: NonNullable<TaskOptions<unknown[]>['nonRetryableErrors']>[number]): boolean {
  if (typeof matcher === 'string') return (err as Error)?.name === matcher;
  return err instanceof matcher;
}

/**
 * Why the task must not be retried after this failure, or undefined when it may be (subject to
 * its `retryCondition`). `failures` counts this one.
 */
export function stopReason(
  err: unknown,
  failures: number,
  spec: Pick<TaskSpec, 'retries'>,
  options: Pick<TaskOptions<unknown[]>, 'nonRetryableErrors'>,
): string | undefined {
  if (err instanceof ApplicationFailure && err.nonRetryable) return 'non-retryable';
  if (err instanceof NonRetryableError) return 'NonRetryableError';
  if ((options.nonRetryableErrors ?? []).some((m) => matches(err, m))) return `${(err as Error)?.name ?? 'the error'} never retries`;
  if (failures > spec.retries) return spec.retries === 0 ? 'no retries' : `all ${spec.retries} retries used`;
  return undefined;
}

/**
 * Seconds before the next attempt: what a RetryAfterError asks for when it is a number ≥ 0, else
 * the task's `retryDelaySeconds` for this retry; plus jitter; always finite, ≥ 0 and at most
 * MAX_RETRY_DELAY_SECONDS. `random` returns a number in [0, 1).
 */
export function retryDelaySeconds(
  err: unknown,
  failures: number,
  options: Pick<TaskOptions<unknown[]>, 'retryDelaySeconds' | 'retryJitterFactor'>,
  random: () => number = Math.random,
): number {
  const asked = err instanceof RetryAfterError ? err.delaySeconds : undefined;
  const usable = typeof asked === 'number' && Number.isFinite(asked) && asked >= 0;
  let delay = usable ? asked : retryDelayFor(options.retryDelaySeconds, failures);
  if (options.retryJitterFactor) delay += random() * options.retryJitterFactor * delay;
  // Never hand Temporal a delay it cannot encode (NaN, Infinity) or one beyond any sane wait.
  if (!Number.isFinite(delay) || delay < 0) delay = 0;
  return Math.min(delay, MAX_RETRY_DELAY_SECONDS);
}
