/**
 * Temporal's visibility queries and page tokens, built in one place for every list Baton offers
 * (flow runs, approvals, deployments).
 *
 * A page token Baton hands out is Temporal's next-page bytes with a version and a checksum in
 * front. A token that was not handed out (mangled, truncated, made up) is refused at once with a
 * 400 naming `pageToken`, before Temporal sees it: Temporal answers such bytes with UNKNOWN, which
 * the SDK retries for about 20 s. The checksum is not a signature: it catches accidents and
 * garbage, not a token crafted on purpose.
 */
import { createHash } from 'node:crypto';
import { ValidationError } from '../core/errors';

const TOKEN_VERSION = 1;
const CHECKSUM_BYTES = 8;

/** A string literal for a visibility query. */
export function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function checksum(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest().subarray(0, CHECKSUM_BYTES);
}

/** A page token from a Baton list as the bytes Temporal gave; ValidationError for one Baton did not give out. */
export function pageTokenBytes(token: string | undefined): Uint8Array | undefined {
  if (!token) return undefined;
  const raw = /^[A-Za-z0-9_-]+$/.test(token) ? Buffer.from(token, 'base64url') : Buffer.alloc(0);
  const bytes = raw.subarray(1 + CHECKSUM_BYTES);
  if (raw.length <= 1 + CHECKSUM_BYTES || raw[0] !== TOKEN_VERSION || !checksum(bytes).equals(raw.subarray(1, 1 + CHECKSUM_BYTES))) {
    throw new ValidationError('query', [{ path: 'pageToken', message: 'is not a page token this API gave out (pass nextPageToken from the previous page as it is)' }]);
  }
  return bytes;
}

/** The page token Baton hands out for Temporal's next-page bytes; null on the last page. */
export function pageTokenText(bytes: Uint8Array | null | undefined): string | null {
  if (!bytes?.length) return null;
  return Buffer.concat([Buffer.from([TOKEN_VERSION]), checksum(bytes), Buffer.from(bytes)]).toString('base64url');
}

/**
 * `read` for each item of a listed page, at most `width` at a time, answers in the page's order:
 * a page of many items costs a few round trips, not one per item, and never floods the server.
 * The first failure is thrown once the reads under way end; no new read starts after it.
 */
export async function readEach<T, R>(items: readonly T[], read: (item: T) => Promise<R>, width = 8): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        out[i] = await read(items[i]!);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, width), items.length) }, lane));
  return out;
}

/**
 * A deadline for one read of a list's items: `eachMs` from now, but never past `end`, the time the
 * whole list must be answered by. Undefined once `end` has passed: the item is not asked at all.
 */
export function itemDeadline(end: number, eachMs: number): number | undefined {
  const now = Date.now();
  return now >= end ? undefined : Math.min(end, now + eachMs);
}
