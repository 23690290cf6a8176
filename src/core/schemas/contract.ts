/**
 * Baton's contract registry: every schema of the REST API registers here, and the OpenAPI document
 * is built from it alone.
 */
import { z } from 'zod';

/** What Baton's contract registry keeps of a schema: the OpenAPI document is built from it alone. */
export interface ContractMeta {
  id?: string;
  description?: string;
  example?: unknown;
}

/**
 * Baton's own schema registry. Schemas register here, not in zod's global registry, so a user's
 * schema with `.meta({ id })` (in a flow's parameters, say) never reaches Baton's OpenAPI document
 * nor collides with a Baton schema's id. Field descriptions registered here reach the document.
 */
export const contract = z.registry<ContractMeta>();

/** A copy of `schema` with a description that reaches the OpenAPI document. */
export function doc<T extends z.ZodType>(schema: T, description: string): T {
  const copy = schema.clone() as T;
  contract.add(copy, { description });
  return copy;
}
