/**
 * What `baton doctor` and `baton deploy`'s checks report about one part (Temporal, the API, a
 * task queue's workers, an MCP server...): whether it answers and, when not, why and the command
 * that fixes it. Every probe is bounded by {@link within}, so a part that hangs is reported, not
 * waited for.
 */
import { BatonError } from '../core/errors';
import { terminalSafe } from './output';

export interface CheckResult {
  /** The part, as a person names it: `Temporal`, `API`, `workers (task queue 'etl')`, `MCP server 'github'`. */
  part: string;
  /** `ok` answers; `failed` does not; `warning` does not but nothing needs it to (see `required`). */
  status: 'ok' | 'failed' | 'warning' | 'skipped';
  /** What was seen: `answers at 127.0.0.1:7233 (namespace default)`, or the cause of the failure. */
  detail: string;
  /** The command or setting that fixes it, for a part that is not ok. */
  fix?: string;
}

/** A probe that did not answer in time. */
export class NoAnswerError extends BatonError {
  static override readonly code: string = 'NO_ANSWER';
  override readonly name: string = 'NoAnswerError';
}

/** `work`'s answer, or a NoAnswerError once `ms` have passed (the work itself is left to end on its own). */
export async function within<T>(ms: number, work: () => Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NoAnswerError(`${what} did not answer within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([work(), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The first line of an error's message, safe for a terminal and short. */
export function reason(err: unknown, max = 200): string {
  const cause = (err as { cause?: unknown })?.cause;
  const message = err instanceof Error ? err.message : String(err);
  const first = (message.split('\n')[0] ?? '').trim();
  // fetch says only 'fetch failed'; its cause says why (ECONNREFUSED, a DNS error...).
  const text = terminalSafe(cause instanceof Error && cause.message ? `${first}: ${cause.message}` : first) || 'unknown error';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A URL without user name, password, query or fragment: what may be printed. */
export function printableUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(not a URL)';
  }
}

const MARK: Record<CheckResult['status'], string> = { ok: 'ok  ', failed: 'FAIL', warning: 'warn', skipped: 'skip' };

/** One line per part, with the fix under a part that is not ok. */
export function formatResults(results: CheckResult[]): string {
  return results.map((r) => `${MARK[r.status]} ${r.part}: ${r.detail}${r.fix && r.status !== 'ok' ? `\n       fix: ${r.fix}` : ''}`).join('\n');
}
