/** Variables (Prefect's variables): JSON values by name, listed, read, set and removed. */
import type { BatonClient } from '../../client/client';
import { NotFoundError } from '../../core/errors';
import { DeleteVariableQuery, SetVariable, Variable, VariableList, VariableNameParam } from '../../core/schemas';
import { defineRoute, Reply } from '../route';

export function variableRoutes(client: BatonClient) {
  return [
    defineRoute({
      method: 'get',
      path: '/api/variables',
      summary: 'Every variable, by name, with its value and tags',
      tag: 'variables',
      access: 'read',
      response: VariableList,
      errors: [503],
      handler: async () => ({ variables: await client.variables.list() }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/variables/:name',
      summary: 'A variable: its value, tags and version',
      tag: 'variables',
      access: 'read',
      params: VariableNameParam,
      response: Variable,
      errors: [404, 503],
      handler: async ({ params }) => {
        const found = await client.variables.get(params.name);
        if (!found) throw new NotFoundError(`no variable named '${params.name}'`);
        return found;
      },
    }),
    defineRoute({
      method: 'put',
      path: '/api/variables/:name',
      summary: 'Create a variable (201) or replace its value (200); overwrite=false or ifVersion make a write conditional (409)',
      tag: 'variables',
      access: 'admin',
      params: VariableNameParam,
      body: SetVariable,
      response: Variable,
      status: 201,
      replies: [200],
      errors: [409, 503],
      handler: async ({ params, body }) => {
        const variable = await client.variables.set(params.name, body.value, { tags: body.tags, overwrite: body.overwrite, ifVersion: body.ifVersion });
        // Made by this write: its creation is its only write (a name made again after a delete goes on counting versions).
        return new Reply(variable.createdAt === variable.updatedAt ? 201 : 200, variable);
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/variables/:name',
      summary: 'Remove a variable; ifVersion makes it conditional (409)',
      tag: 'variables',
      access: 'admin',
      params: VariableNameParam,
      query: DeleteVariableQuery,
      status: 204,
      errors: [404, 409, 503],
      handler: async ({ params, query }) => {
        await client.variables.delete(params.name, { ifVersion: query.ifVersion });
      },
    }),
  ];
}
