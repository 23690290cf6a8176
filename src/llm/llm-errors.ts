/**
 * Errors an LLM call fails with, besides Baton's own RetryAfterError (a 429 or 5xx that says when
 * to come back) and NonRetryableError (a request the provider refuses: 400, 401, 403, 404...).
 * Both of these are retried per the task's retries. Their messages never carry the API key.
 */
import { BatonError } from '../core/errors';

/** The provider failed (5xx, 408, a 429 without Retry-After) or could not be reached; retried. */
export class LlmProviderError extends BatonError {
  static override readonly code: string = 'LLM_PROVIDER';
  override readonly name: string = 'LlmProviderError';
  constructor(
    message: string,
    /** The HTTP status, when the provider answered. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The model's reply is not what was asked for: not JSON, or not of the schema; retried. */
export class LlmOutputError extends BatonError {
  static override readonly code: string = 'LLM_OUTPUT';
  override readonly name: string = 'LlmOutputError';
}
