/** Field shapes the contract's schemas share: names, tags, timestamps, parameters, pages. */
import { z } from 'zod';

export const Name = z
  .string()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must start with a letter or digit and use only letters, digits, . _ -');
/**
 * A tag is something to filter runs and deployments by, so it holds no character Temporal's SQLite
 * visibility store cannot search for: a filter with a double quote or a NUL failed there after
 * about 20 s of retries.
 */
export const Tag = z
  .string()
  .min(1)
  .max(100)
  // eslint-disable-next-line no-control-regex -- the NUL is one of the characters refused
  .regex(/^[^"\u0000]*$/, 'must not contain a double quote (") or a NUL character');
export const Timestamp = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time such as 2026-11-21T09:00:00Z' });

export const Page = z.object({
  pageSize: z.coerce.number().int().min(1).max(500).default(50),
  // A token is base64url (see client/visibility.ts); saying so also keeps a query within Node's 16 KB request head.
  pageToken: z
    .string()
    .max(2_000)
    .regex(/^[A-Za-z0-9_-]*$/, 'is not a page token this API gave out (pass nextPageToken from the previous page as it is)')
    .optional(),
});

/** How deeply parameters and approval input may nest: Temporal's payload converter refuses far less than a 1 MB body can hold. */
export const MAX_JSON_DEPTH = 64;

/** How deeply a JSON value nests (a scalar is 0), counted without recursion, stopping past `limit`. */
export function jsonDepth(value: unknown, limit = MAX_JSON_DEPTH): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/** A JSON value nested at most MAX_JSON_DEPTH levels: deeper input is a 400 naming the field, never a 500. */
export function boundedJson<T extends z.ZodType>(schema: T): T {
  return schema.superRefine((value, ctx) => {
    if (jsonDepth(value) > MAX_JSON_DEPTH) ctx.addIssue({ code: 'custom', message: `nests deeper than ${MAX_JSON_DEPTH} levels` });
  }) as unknown as T;
}

export const Parameters = boundedJson(z.record(z.string(), z.unknown()));
