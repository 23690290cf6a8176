/**
 * HTTP status ↔ Baton error, in one place, used by the API to answer and by the CLI to turn an
 * answer back into an error. Responses carry `{ error: { code, message, details } }` and never a
 * stack trace.
 */
import {
  BatonError,
  CacheUnavailableError,
  RunLogsUnavailableError,
  ConfigError,
  ConflictError,
  ForbiddenError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadDecryptionError,
  TemporalUnavailableError,
  UnauthorizedError,
  ValidationError,
  WorkerUnavailableError,
} from '../core/errors';
import type { ErrorBody } from '../core/schemas';
import { isNoPoller } from '../client/temporal-values';

const STATUS: [new (...args: never[]) => BatonError, number][] = [
  [ValidationError, 400],
  [UnauthorizedError, 401],
  [ForbiddenError, 403],
  [NotFoundError, 404],
  [MethodNotAllowedError, 405],
  [ConflictError, 409],
  [TemporalUnavailableError, 503],
  [WorkerUnavailableError, 503],
  [CacheUnavailableError, 503],
  [RunLogsUnavailableError, 503],
  [ConfigError, 500],
  // The API's keys do not read what Temporal holds: its configuration, not the request, is at fault.
  [PayloadDecryptionError, 500],
];

/** gRPC "unavailable" / "deadline exceeded": Temporal could not be reached. */
function isTemporalDown(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  const cause = (err as { cause?: { code?: unknown } })?.cause?.code;
  return code === 14 || code === 4 || cause === 14 || cause === 4;
}

/** The status and body for any error; unknown errors become a 500 that reveals nothing. */
export function errorResponse(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof BatonError) {
    const status = STATUS.find(([cls]) => err instanceof cls)?.[1] ?? 400;
    const details = err instanceof ValidationError || err instanceof ConfigError ? err.issues : undefined;
    return { status, body: { error: { code: err.code, message: err.message, ...(details ? { details } : {}) } } };
  }
  if (isNoPoller(err)) {
    const message = 'no worker polls the task queue of the workflow this request reads (Temporal has seen no poller lately): start a Baton worker on it';
    return { status: 503, body: { error: { code: WorkerUnavailableError.code, message } } };
  }
  if (isTemporalDown(err)) {
    return { status: 503, body: { error: { code: 'TEMPORAL_UNAVAILABLE', message: 'Temporal is unreachable' } } };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } } };
}
