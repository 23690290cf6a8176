/**
 * Baton's error classes. This module is pure: flows (inside Temporal's sandbox), tasks, the
 * client and the API all import it.
 *
 * Flow code runs in a separate V8 realm, so a class imported there is a different object from
 * the same class imported by the worker. `instanceof` therefore checks a mark keyed by a global
 * symbol, not the prototype chain: an error made in either realm passes the check in both.
 */

function mark(code: string): symbol {
  return Symbol.for(`baton.error:${code}`);
}

/** A field that failed validation, with a dotted path such as `customer.email`. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** Base class of every error Baton raises. `code` is stable and meant for programs. */
export class BatonError extends Error {
  static readonly code: string = 'BATON_ERROR';
  readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    const ctor = new.target as unknown as { code: string; name: string };
    this.name = ctor.name;
    this.code = ctor.code;
    // Mark the instance with its class and every ancestor so cross-realm `instanceof` works.
    let c: unknown = new.target;
    while (typeof c === 'function') {
      const code = (c as unknown as { code?: unknown }).code;
      if (typeof code !== 'string') break;
      Object.defineProperty(this, mark(code), { value: true });
      c = Object.getPrototypeOf(c);
    }
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[mark(this.code)] === true;
  }
}

/** Thrown by a task or flow to fail at once, whatever retries remain. */
export class NonRetryableError extends BatonError {
  static override readonly code: string = 'NON_RETRYABLE';
}

/** Thrown by a task to be retried after `delaySeconds`, overriding the task's delay schedule. */
export class RetryAfterError extends BatonError {
  static override readonly code: string = 'RETRY_AFTER';
  constructor(
    message: string,
    readonly delaySeconds: number = 0,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    // A missing or nonsensical delay (NaN from a parsed header) falls back to the task's schedule.
    if (!(Number.isFinite(delaySeconds) && delaySeconds >= 0)) this.delaySeconds = Number.NaN;
  }
}

function describeIssues(issues: FieldIssue[]): string {
  return issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ');
}

/** Input (a request body, a query, a flag) that does not match its schema. Nothing was changed. */
export class ValidationError extends BatonError {
  static override readonly code: string = 'VALIDATION';
  constructor(
    readonly target: string,
    readonly issues: FieldIssue[],
    prefix = 'invalid',
  ) {
    super(`${prefix} ${target}: ${describeIssues(issues)}`);
  }
}

/** Flow parameters that do not match the flow's schema. Nothing was started. */
export class ParameterValidationError extends ValidationError {
  static override readonly code: string = 'PARAMETER_VALIDATION';
  constructor(target: string, issues: FieldIssue[]) {
    super(target, issues, 'invalid parameters for');
  }
}

/** The request conflicts with the current state (a finished run cannot be cancelled...). */
export class ConflictError extends BatonError {
  static override readonly code: string = 'CONFLICT';
}

/** No credentials, or credentials that are not valid. */
export class UnauthorizedError extends BatonError {
  static override readonly code: string = 'UNAUTHORIZED';
}

/** Valid credentials without the right to do this. */
export class ForbiddenError extends BatonError {
  static override readonly code: string = 'FORBIDDEN';
}

/** A task run that ended in failure, seen from the flow that called it. */
export class TaskFailedError extends BatonError {
  static override readonly code: string = 'TASK_FAILED';
  /** The name of the error the task threw, such as `TypeError`. */
  errorName = 'Error';
  taskName = '';
  attempts = 0;
}

/** A task run that exceeded its `timeoutSeconds` on its last attempt. */
export class TaskTimeoutError extends TaskFailedError {
  static override readonly code: string = 'TASK_TIMEOUT';
}

/** A `pause()` or `approval()` that nobody answered in time, and that had no default. */
export class WaitTimeoutError extends BatonError {
  static override readonly code: string = 'WAIT_TIMEOUT';
}

/** A flow run that ended in Failed, TimedOut, Cancelled or Crashed, seen from the client. */
export class FlowRunFailedError extends BatonError {
  static override readonly code: string = 'FLOW_RUN_FAILED';
  constructor(
    message: string,
    readonly flowRunId: string,
    readonly state: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Configuration that is missing or malformed. Lists every bad variable at once. */
export class ConfigError extends BatonError {
  static override readonly code: string = 'CONFIG';
  constructor(readonly issues: FieldIssue[]) {
    super('invalid configuration: ' + issues.map((i) => `${i.path}: ${i.message}`).join('; '));
  }
}

/** The Temporal server could not be reached or started. */
export class TemporalUnavailableError extends BatonError {
  static override readonly code: string = 'TEMPORAL_UNAVAILABLE';
}

/** A flow, task or run that does not exist. */
export class NotFoundError extends BatonError {
  static override readonly code: string = 'NOT_FOUND';
}

/**
 * Rebuilds a Baton error from a failure's type name, message and first detail, when the type is
 * one of Baton's; undefined otherwise. Used where failures cross the task → flow → client boundary.
 */
export function rebuildBatonError(type: string, message: string, detail: Record<string, unknown> = {}): BatonError | undefined {
  let error: BatonError;
  switch (type) {
    case 'NonRetryableError':
      error = new NonRetryableError(message);
      break;
    case 'RetryAfterError':
      error = new RetryAfterError(message);
      break;
    case 'TaskFailedError':
      error = new TaskFailedError(message);
      break;
    case 'TaskTimeoutError':
      error = new TaskTimeoutError(message);
      break;
    case 'ParameterValidationError':
    case 'ValidationError': {
      const issues = Array.isArray(detail.issues) ? (detail.issues as FieldIssue[]) : [];
      error = type === 'ValidationError' ? new ValidationError('input', issues) : new ParameterValidationError('flow', issues);
      Object.defineProperty(error, 'message', { value: message, configurable: true, writable: true });
      break;
    }
    case 'BatonError':
      error = new BatonError(message);
      break;
    case 'WaitTimeoutError':
      error = new WaitTimeoutError(message);
      break;
    case 'ConflictError':
      error = new ConflictError(message);
      break;
    case 'NotFoundError':
      error = new NotFoundError(message);
      break;
    default:
      return undefined;
  }
  if (error instanceof TaskFailedError) {
    if (typeof detail.errorName === 'string') error.errorName = detail.errorName;
    if (typeof detail.taskName === 'string') error.taskName = detail.taskName;
    if (typeof detail.failures === 'number') error.attempts = detail.failures;
  }
  return error;
}
