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
    let res: Response;
    try {
      res = await fetch(new URL(path, this.baseUrl), {
        method,
        headers: {
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new BatonError(
        `cannot reach the Baton API at ${this.baseUrl} (${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}); start it with 'baton server start' or set BATON_API_URL`,
      );
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (res.ok) return parsed as T;
    const error = (parsed as { error?: { code?: string; message?: string; details?: unknown } })?.error;
    const message = error?.message ?? `${method} ${path} answered ${res.status}`;
    switch (res.status) {
      case 400:
      case 413:
        // Keep the API's own words: they name each bad field.
        throw Object.assign(new BatonError(message), { details: error?.details as FieldIssue[] | undefined });
      case 401:
        throw new UnauthorizedError(`${message} (set BATON_API_KEY)`);
      case 403:
        throw new ForbiddenError(message);
      case 404:
        throw new NotFoundError(message);
      case 409:
        throw new ConflictError(message);
      case 503:
        throw new TemporalUnavailableError(message);
      default:
        throw new BatonError(message);
    }
  }
}
