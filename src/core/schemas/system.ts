/** The API's health, its error body, and the cache route. */
import { z } from 'zod';
import { contract } from './contract';

export const Health = z
  .object({
    status: z.enum(['ok', 'degraded']),
    temporal: z.object({ reachable: z.boolean(), namespace: z.string() }),
    /** The result cache `DELETE /api/cache` clears, when this API has one. */
    cache: z.object({ store: z.string(), reachable: z.boolean() }).optional(),
    /** The declared MCP servers: HTTP ones probed, stdio ones (started by workers) `reachable: null`. */
    mcp: z.array(z.object({ name: z.string(), transport: z.enum(['stdio', 'http']), source: z.string(), reachable: z.boolean().nullable() })).optional(),
  })
  .register(contract, { id: 'Health' });

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .register(contract, { id: 'Error' });
export type ErrorBody = z.infer<typeof ErrorBody>;

export const Empty = z.object({}).strict();

export const ClearCacheQuery = z
  .object({
    task: z.string().min(1).max(200).optional(),
    key: z
      .string()
      .regex(/^[a-f0-9]{64}$/, 'must be a 64-character hex key')
      .optional(),
  })
  .strict();
export const ClearedCache = z.object({ removed: z.number().int() }).register(contract, { id: 'ClearedCache' });
