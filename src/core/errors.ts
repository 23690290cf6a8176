/**
 * Baton's error classes. This module is pure: flows (inside Temporal's sandbox), tasks, the
 * client and the API all import it.
 *
 * Flow code runs in a separate V8 realm, so a class imported there is a different object from
 * the same class imported by the worker. `instanceof` therefore checks a mark keyed by a global
 * symbol, not the prototype chain: an error made in either realm passes the check in both.
 *
 * Every class spells out its `name` and `code`: they travel as failure types and error bodies,
 * so they must not depend on what a bundler or minifier does to class names.
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
  override readonly name: string = 'BatonError';
  readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = (new.target as unknown as { code: string }).code;
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
  override readonly name: string = 'NonRetryableError';
}

/**
 * Thrown by a task to be retried after `delaySeconds`, overriding the task's delay schedule for
 * this one retry. Without a delay, or with one that is not a number ≥ 0 (NaN from a missing
 * Retry-After header), the task's own `retryDelaySeconds` applies. Either way the retry counts
 * against the task's `retries`.
 */
export class RetryAfterError extends BatonError {
  static override readonly code: string = 'RETRY_AFTER';
  override readonly name: string = 'RetryAfterError';
  /** Seconds to wait before the next attempt; undefined when the task's schedule decides. */
  readonly delaySeconds: number | undefined;

  constructor(message: string, delaySeconds?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.delaySeconds = typeof delaySeconds === 'number' && Number.isFinite(delaySeconds) && delaySeconds >= 0 ? delaySeconds : undefined;
  }
}

function describeIssues(issues: FieldIssue[]): string {
  return issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ');
}

/** Input (a request body, a query, a flag) that does not match its schema. Nothing was changed. */
export class ValidationError extends BatonError {
  static override readonly code: string = 'VALIDATION';
  override readonly name: string = 'ValidationError';
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
  override readonly name: string = 'ParameterValidationError';
  constructor(target: string, issues: FieldIssue[]) {
    super(target, issues, 'invalid parameters for');
  }
}

/** The request conflicts with the current state (a finished run cannot be cancelled...). */
export class ConflictError extends BatonError {
  static override readonly code: string = 'CONFLICT';
  override readonly name: string = 'ConflictError';
}

/** No credentials, or credentials that are not valid. */
export class UnauthorizedError extends BatonError {
  static override readonly code: string = 'UNAUTHORIZED';
  override readonly name: string = 'UnauthorizedError';
}

/** Valid credentials without the right to do this. */
export class ForbiddenError extends BatonError {
  static override readonly code: string = 'FORBIDDEN';
  override readonly name: string = 'ForbiddenError';
}

/** A task run that ended in failure, seen from the flow that called it. */
export class TaskFailedError extends BatonError {
  static override readonly code: string = 'TASK_FAILED';
  override readonly name: string = 'TaskFailedError';
  /** The name of the error the task threw, such as `TypeError`. */
  errorName = 'Error';
  taskName = '';
  attempts = 0;
}

/** A task run that exceeded its `timeoutSeconds` on its last attempt. */
export class TaskTimeoutError extends TaskFailedError {
  static override readonly code: string = 'TASK_TIMEOUT';
  override readonly name: string = 'TaskTimeoutError';
}

/** A `pause()` or `approval()` that nobody answered in time, and that had no default. */
export class WaitTimeoutError extends BatonError {
  static override readonly code: string = 'WAIT_TIMEOUT';
  override readonly name: string = 'WaitTimeoutError';
}

/**
 * A flow run's attempt took longer than the flow's `timeoutSeconds`, counted from when its body
 * started: the body was cancelled and the run reads TimedOut (or Retrying, with retries left).
 */
export class FlowTimeoutError extends BatonError {
  static override readonly code: string = 'FLOW_TIMEOUT';
  override readonly name: string = 'FlowTimeoutError';
  constructor(
    message: string,
    readonly timeoutSeconds = 0,
  ) {
    super(message);
  }
}

/** A flow run that ended in Failed, TimedOut, Cancelled or Crashed, seen from the client. */
export class FlowRunFailedError extends BatonError {
  static override readonly code: string = 'FLOW_RUN_FAILED';
  override readonly name: string = 'FlowRunFailedError';
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
  override readonly name: string = 'ConfigError';
  constructor(readonly issues: FieldIssue[]) {
    super('invalid configuration: ' + issues.map((i) => `${i.path}: ${i.message}`).join('; '));
  }
}

/** The Temporal server could not be reached or started. */
export class TemporalUnavailableError extends BatonError {
  static override readonly code: string = 'TEMPORAL_UNAVAILABLE';
  override readonly name: string = 'TemporalUnavailableError';
}

/**
 * An agent loop reached one of its limits (`limit`: steps, tokens or seconds) without a final
 * answer. Not retried: the same loop would reach it again.
 */
export class AgentLimitError extends BatonError {
  static override readonly code: string = 'AGENT_LIMIT';
  override readonly name: string = 'AgentLimitError';
  constructor(
    message: string,
    readonly limit: 'steps' | 'tokens' | 'seconds' | '' = '',
    readonly steps: number = 0,
    readonly tokens: number = 0,
  ) {
    super(message);
  }
}

/** The result cache's store (Redis) did not answer in time, or failed: nothing was changed in it. */
export class CacheUnavailableError extends BatonError {
  static override readonly code: string = 'CACHE_UNAVAILABLE';
  override readonly name: string = 'CacheUnavailableError';
}

/** The run log store (Redis) did not answer in time, or failed: nothing was read. */
export class RunLogsUnavailableError extends BatonError {
  static override readonly code: string = 'RUN_LOGS_UNAVAILABLE';
  override readonly name: string = 'RunLogsUnavailableError';
}

/**
 * No worker is running the flow run, or the one running it fails while taking the decision. The
 * decision was not applied (yet): the API answers 503, and deciding again once a worker runs the
 * flow is safe (a decision taken in the meantime makes the second one a 409).
 */
export class WorkerUnavailableError extends BatonError {
  static override readonly code: string = 'WORKER_UNAVAILABLE';
  override readonly name: string = 'WorkerUnavailableError';
  constructor(
    message: string,
    readonly flowRunId: string,
  ) {
    super(message);
  }
}

/** A flow, task or run that does not exist. */
export class NotFoundError extends BatonError {
  static override readonly code: string = 'NOT_FOUND';
  override readonly name: string = 'NotFoundError';
}

/**
 * A task asked for a secret no source of its worker holds. Names the secret and the sources
 * tried, never a value.
 */
export class SecretNotFoundError extends BatonError {
  static override readonly code: string = 'SECRET_NOT_FOUND';
  override readonly name: string = 'SecretNotFoundError';
  constructor(
    message: string,
    readonly secret: string = '',
    readonly sources: string[] = [],
  ) {
    super(message);
  }
}

/**
 * A payload encrypted with a key this process does not hold (BATON_ENCRYPTION_KEYS), or one that
 * does not decrypt with the key of its id. Names the key id, never a key or the content.
 */
export class PayloadDecryptionError extends BatonError {
  static override readonly code: string = 'PAYLOAD_DECRYPTION';
  override readonly name: string = 'PayloadDecryptionError';
}

/** The path exists, but not for this HTTP method; `allowed` lists the methods it takes. */
export class MethodNotAllowedError extends BatonError {
  static override readonly code: string = 'METHOD_NOT_ALLOWED';
  override readonly name: string = 'MethodNotAllowedError';
  constructor(
    message: string,
    readonly allowed: string[] = [],
  ) {
    super(message);
  }
}

/** A blank instance of each class, keyed by its wire name; rebuilding fills in the fields. */
const BLANK: Map<string, () => BatonError> = new Map(
  [
    () => new BatonError(''),
    () => new NonRetryableError(''),
    () => new RetryAfterError(''),
    () => new ValidationError('', []),
    () => new ParameterValidationError('', []),
    () => new ConflictError(''),
    () => new UnauthorizedError(''),
    () => new ForbiddenError(''),
    () => new TaskFailedError(''),
    () => new TaskTimeoutError(''),
    () => new WaitTimeoutError(''),
    () => new FlowTimeoutError(''),
    () => new FlowRunFailedError('', '', ''),
    () => new ConfigError([]),
    () => new TemporalUnavailableError(''),
    () => new WorkerUnavailableError('', ''),
    () => new CacheUnavailableError(''),
    () => new RunLogsUnavailableError(''),
    () => new AgentLimitError(''),
    () => new NotFoundError(''),
    () => new SecretNotFoundError(''),
    () => new PayloadDecryptionError(''),
    () => new MethodNotAllowedError(''),
  ].map((make) => [make().name, make]),
);

/** Properties every error has; the rest of an instance's own properties are its domain fields. */
const NOT_FIELDS = new Set(['name', 'message', 'stack', 'cause', 'code']);

/** The domain fields of a Baton error (`flowRunId`, `issues`, `attempts`...), by name. */
function fieldsOf(error: BatonError): string[] {
  return Object.keys(error).filter((key) => !NOT_FIELDS.has(key));
}

/**
 * What travels beside a Baton error's type and message in a failure's first detail: its `code`
 * and every domain field, as plain JSON values. `rebuildBatonError` reverses it.
 */
export function errorDetail(error: BatonError): Record<string, unknown> {
  const detail: Record<string, unknown> = { code: error.code };
  for (const key of fieldsOf(error)) {
    const value = (error as unknown as Record<string, unknown>)[key];
    if (value !== undefined) detail[key] = value;
  }
  // Older readers take a task run's attempt count from `failures`.
  if (error instanceof TaskFailedError) detail.failures = error.attempts;
  return detail;
}

/** A value from the wire fits a field when it has the kind of the field's default. */
function fits(value: unknown, current: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (current === undefined) return true;
  return typeof value === typeof current && Array.isArray(value) === Array.isArray(current);
}

/**
 * Rebuilds a Baton error from a failure's type name, message and first detail (as written by
 * `errorDetail`), when the type is one of Baton's; undefined otherwise. Used where failures cross
 * the task → flow → client boundary. Every domain field comes back; a missing or malformed one
 * keeps its class's default.
 */
export function rebuildBatonError(type: string, message: string, detail: Record<string, unknown> = {}): BatonError | undefined {
  const make = BLANK.get(type);
  if (!make) return undefined;
  const error = make();
  error.message = message;
  const fields = error as unknown as Record<string, unknown>;
  for (const key of fieldsOf(error)) {
    const value = key === 'attempts' && detail.attempts === undefined ? detail.failures : detail[key];
    if (fits(value, fields[key])) fields[key] = value;
  }
  return error;
}
