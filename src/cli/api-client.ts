/**
 * The CLI's way to the API (BATON_API_URL, BATON_API_KEY). Error answers become Baton errors by
 * their code, so the CLI prints the API's own message and exits non-zero.
 */
import { BatonError, ConflictError, ForbiddenError, NotFoundError, TemporalUnavailableError, UnauthorizedError, type FieldIssue } from '../core/errors';

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey?: string,
  ) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.send(path, {
      method,
      headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (res.ok) return parsed as T;
    throw errorOf(res.status, parsed, `${method} ${path}`);
  }

  /**
   * Opens a Server-Sent Events answer: the response, its body unread, once the API said 200; an
   * error answer throws as `call` does. `lastEventId` goes on after that event.
   */
  async openEvents(path: string, lastEventId?: string, signal?: AbortSignal): Promise<Response> {
    const res = await this.send(path, { headers: { accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) }, signal });
    if (res.ok) return res;
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    throw errorOf(res.status, parsed, `GET ${path}`);
  }

  private async send(path: string, init: RequestInit & { headers: Record<string, string> }): Promise<Response> {
    try {
      return await fetch(new URL(path, this.baseUrl), { ...init, headers: { ...init.headers, ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}) } });
    } catch (err) {
      throw new ApiUnreachableError(
        `cannot reach the Baton API at ${this.baseUrl} (${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}); start it with 'baton server start' or set BATON_API_URL`,
      );
    }
  }
}

/** The API did not answer at all (not started, restarting, wrong BATON_API_URL). */
export class ApiUnreachableError extends BatonError {
  static override readonly code: string = 'API_UNREACHABLE';
  override readonly name: string = 'ApiUnreachableError';
}

/** An error answer as a Baton error, keeping the API's own message. */
function errorOf(status: number, parsed: unknown, what: string): BatonError {
  const error = (parsed as { error?: { code?: string; message?: string; details?: unknown } })?.error;
  const message = error?.message ?? `${what} answered ${status}`;
  switch (status) {
    case 400:
    case 413:
      // Keep the API's own words: they name each bad field.
      return Object.assign(new BatonError(message), { details: error?.details as FieldIssue[] | undefined });
    case 401:
      return new UnauthorizedError(`${message} (set BATON_API_KEY)`);
    case 403:
      return new ForbiddenError(message);
    case 404:
      return new NotFoundError(message);
    case 409:
      return new ConflictError(message);
    case 503:
      return new TemporalUnavailableError(message);
    default:
      return new BatonError(message);
  }
}
