/**
 * The failure-details protocol: how an error crosses Temporal (task → flow → parent flow →
 * client) and comes back as the same Baton error. A failure's type is the error's `name`, its
 * message the error's message, and its first detail a JSON object with the error's `code` and
 * domain fields (`errorDetail`), plus whatever context the sender adds (`taskName`, `retries`).
 * Written and read only here. Pure and sandbox-safe.
 */
import { ApplicationFailure } from '@temporalio/common';
import { BatonError, errorDetail, NonRetryableError, rebuildBatonError } from './errors';

/** A failure's first detail as an object; `{}` when it has none. */
export function detailOf(failure: ApplicationFailure): Record<string, unknown> {
  const first = failure.details?.[0];
  return first && typeof first === 'object' && !Array.isArray(first) ? (first as Record<string, unknown>) : {};
}

/** The detail that describes an error: a Baton error's code and fields, or the `code` a thrown error has. */
export function detailFor(error: unknown): Record<string, unknown> {
  if (error instanceof BatonError) return errorDetail(error);
  const code = (error as { code?: unknown } | null)?.code;
  return code === undefined ? {} : { code };
}

/** The Baton error a failure carries (every field restored), or undefined when its type is not Baton's. */
export function errorFromFailure(failure: ApplicationFailure): BatonError | undefined {
  return failure.type ? rebuildBatonError(failure.type, failure.message, detailOf(failure)) : undefined;
}

export interface FailureOptions {
  /** Default: true for NonRetryableError and its subclasses. */
  nonRetryable?: boolean;
  /** Context added to the detail beside the error's own fields. */
  context?: Record<string, unknown>;
  /** The next retry's delay, for a task attempt. */
  nextRetryDelayMs?: number;
  /** The failure's type when it is not the error's name (an ApplicationFailure a task rethrew). */
  type?: string;
  /** The failure's cause. Default: the error's own `cause` when it is an Error; null for none. */
  cause?: Error | null;
}

/** The ApplicationFailure that carries `error` across Temporal; `rebuild` turns it back. */
export function failureFor(error: Error, options: FailureOptions = {}): ApplicationFailure {
  const own = (error as { cause?: unknown }).cause;
  const cause = options.cause === undefined ? (own instanceof Error ? own : undefined) : (options.cause ?? undefined);
  const failure = ApplicationFailure.create({
    message: error.message,
    type: options.type ?? (error.name || 'Error'),
    nonRetryable: options.nonRetryable ?? error instanceof NonRetryableError,
    details: [{ ...detailFor(error), ...options.context }],
    nextRetryDelay: options.nextRetryDelayMs,
    cause,
  });
  failure.stack = error.stack ?? failure.stack;
  return failure;
}
