/**
 * HTTP status ↔ Baton error, in one place. Responses carry `{ error: { code, message, details } }`
 * and never a stack trace.
 */
import {
  BatonError,
  ConfigError,
  NotFoundError,
  ParameterValidationError,
  TemporalUnavailableError,
} from '../shared/errors';

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** The status and body for any error; unknown errors become a 500 that reveals nothing. */
export function errorResponse(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof ParameterValidationError) {
    return { status: 400, body: { error: { code: err.code, message: err.message, details: err.issues } } };
  }
  if (err instanceof NotFoundError) return { status: 404, body: { error: { code: err.code, message: err.message } } };
  if (err instanceof TemporalUnavailableError) {
    return { status: 503, body: { error: { code: err.code, message: err.message } } };
  }
  if (err instanceof ConfigError) {
    return { status: 500, body: { error: { code: err.code, message: err.message, details: err.issues } } };
  }
  if (err instanceof BatonError) return { status: 400, body: { error: { code: err.code, message: err.message } } };
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } } };
}
