/** The flows a client knows, as the API and the MCP server list them: name, description, parameter JSON schema. */
import { z } from 'zod';
import type { FlowList } from '../core/schemas';
import type { AnyFlow } from '../workflows/flow';

export function flowCatalog(flows: readonly AnyFlow[]): FlowList {
  return {
    flows: flows.map((f) => ({
      name: f.flowName,
      description: f.options.description ?? null,
      version: f.options.version ?? null,
      tags: f.options.tags ?? [],
      parameters: f.options.parameters ? (z.toJSONSchema(f.options.parameters as z.ZodType, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>) : null,
    })),
  };
}
