/**
 * Turns an AI SDK failure into the error Baton's retry policy acts on: 429 and 5xx are retried
 * (after the provider's Retry-After when it gives one), as are 408, 409 and replies that broke
 * off; other 4xx fail at once. The AI SDK's own retries are off, so Baton's, visible in the
 * history, are the only ones. Nothing of the original error is kept as a cause, and every message
 * has the API key removed, so no log line, history or result can carry it.
 */
import { AISDKError, APICallError } from 'ai';
import { BatonError, NonRetryableError, RetryAfterError } from '../core/errors';
import { LlmProviderError } from './llm-errors';

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Payload Too Large',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** Longest provider message quoted in an error. */
const MAX_QUOTE = 300;

/** `text` with every occurrence of the key replaced. */
export function redact(text: string, apiKey: string | undefined): string {
  return apiKey ? text.split(apiKey).join('[redacted]') : text;
}

/**
 * Seconds to wait from a Retry-After header (seconds or an HTTP date) or OpenAI's
 * `retry-after-ms`; undefined when there is none or it cannot be read.
 */
export function retryAfterSeconds(headers: Record<string, string> | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const get = (name: string) =>
    Object.entries(headers)
      .find(([k]) => k.toLowerCase() === name)?.[1]
      ?.trim();
  const ms = get('retry-after-ms');
  if (ms && /^\d+(\.\d+)?$/.test(ms)) return Number(ms) / 1000;
  const value = get('retry-after');
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - now) / 1000);
}

/** The provider's own error message from a JSON error body, if it has one. */
function providerMessage(body: string | undefined): string | undefined {
  if (!body) return undefined;
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    const message = typeof parsed.error === 'string' ? parsed.error : (parsed.error?.message ?? parsed.message);
    return typeof message === 'string' && message ? message : undefined;
  } catch {
    return undefined;
  }
}

function clip(text: string): string {
  return text.length > MAX_QUOTE ? `${text.slice(0, MAX_QUOTE)}…` : text;
}

function describeStatus(status: number): string {
  return `${status}${STATUS_TEXT[status] ? ` ${STATUS_TEXT[status]}` : ''}`;
}

/** The Baton error for a failed LLM call. `signal` aborted: the cancellation or timeout itself. */
export function llmFailure(err: unknown, apiKey: string | undefined, signal?: AbortSignal): Error {
  if (signal?.aborted) return signal.reason instanceof Error ? signal.reason : new BatonError('the LLM call was cancelled');
  if (err instanceof BatonError) return err;
  const safe = (text: string) => clip(redact(text, apiKey));
  if (APICallError.isInstance(err)) {
    const status = err.statusCode;
    if (status === undefined) return new LlmProviderError(`cannot reach the model provider: ${safe(err.message)}`);
    // A reply that broke off after a 200 (a connection dropped mid-stream): the next attempt may get it whole.
    if (status < 400) return new LlmProviderError(`the model provider's reply broke off (status ${status}): ${safe(err.message)}`, status);
    const quoted = providerMessage(err.responseBody);
    // A refused key's message may quote part of the key: say only what to check.
    const detail = status === 401 || status === 403 ? 'check BATON_LLM_API_KEY on the worker' : safe(quoted ?? err.message);
    const message = `the model provider answered ${describeStatus(status)}: ${detail}`;
    if (status === 429 || status === 408 || status === 409 || status >= 500) {
      const wait = retryAfterSeconds(err.responseHeaders);
      return wait === undefined ? new LlmProviderError(message, status) : new RetryAfterError(`${message} (retry after ${wait} s)`, wait);
    }
    return new NonRetryableError(message);
  }
  if (AISDKError.isInstance(err)) {
    // The SDK refused the call itself (an invalid prompt, an unsupported setting): no retry helps.
    if (/InvalidPrompt|InvalidArgument|UnsupportedFunctionality|InvalidMessageRole/.test(err.name)) {
      return new NonRetryableError(`the LLM call is invalid: ${safe(err.message)}`);
    }
    return new LlmProviderError(`the LLM call failed (${err.name}): ${safe(err.message)}`);
  }
  // Anything else (a connection dropped mid-stream surfaces as a TypeError): retried.
  const error = err instanceof Error ? err : new Error(String(err));
  return new LlmProviderError(`the LLM call failed (${error.name}): ${safe(error.message)}`);
}
