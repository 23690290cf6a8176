/** Flows a worker module declares, as the API lists them. */
import { z } from 'zod';
import { contract, doc } from './contract';

export const FlowInfo = z
  .object({
    name: z.string(),
    description: z.string().nullable(),
    version: z.string().nullable(),
    tags: z.array(z.string()),
    parameters: doc(z.record(z.string(), z.unknown()).nullable(), 'JSON schema of the parameters'),
  })
  .register(contract, { id: 'Flow' });
export type FlowInfo = z.infer<typeof FlowInfo>;
export const FlowList = z.object({ flows: z.array(FlowInfo) }).register(contract, { id: 'FlowList' });
export type FlowList = z.infer<typeof FlowList>;
