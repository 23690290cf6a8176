/** Field shapes the contract's schemas share: names, tags, timestamps, parameters, pages. */
import { z } from 'zod';

export const Name = z
  .string()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must start with a letter or digit and use only letters, digits, . _ -');
export const Tag = z.string().min(1).max(100);
export const Timestamp = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time such as 2026-11-21T09:00:00Z' });

export const Page = z.object({
  pageSize: z.coerce.number().int().min(1).max(500).default(50),
  pageToken: z.string().max(2_000).optional(),
});

export const Parameters = z.record(z.string(), z.unknown());
