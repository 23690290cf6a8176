/** Routes about flows themselves: the flows this API knows, and runs of a flow without a deployment. */
import { z } from 'zod';
import type { BatonClient } from '../../client/client';
import { flowCatalog } from '../../client/flow-catalog';
import { NotFoundError } from '../../core/errors';
import { defineRoute, Reply } from '../route';
import { FlowList, RunFlow, StartedRun } from '../../core/schemas';
import { delayUntil, startedRun } from './started-run';

const FlowNameParam = z.object({ name: z.string().min(1).max(100) }).strict();

export function flowRoutes(client: BatonClient) {
  return [
    defineRoute({
      method: 'get',
      path: '/api/flows',
      summary: 'Registered flows with their parameter JSON schema',
      tag: 'flows',
      access: 'read',
      response: FlowList,
      handler: async () => flowCatalog(client.flows),
    }),
    defineRoute({
      method: 'post',
      path: '/api/flows/:name/runs',
      summary: "Run a flow without a deployment, now or at scheduledTime; its parameters are checked against the flow's schema first",
      tag: 'flows',
      access: 'admin',
      params: FlowNameParam,
      body: RunFlow,
      response: StartedRun,
      status: 201,
      // 200: the idempotency key named a run already started.
      replies: [200],
      errors: [404, 409, 503],
      handler: async ({ params, body }) => {
        const flow = client.flow(params.name);
        // Checked here so the answer names what this API knows, not the client's internals.
        if (!flow) throw new NotFoundError(`no flow named '${params.name}' is registered with this API (GET /api/flows lists them)`);
        const { handle, created } = await client.flowRuns.startWithKey(flow, body.parameters ?? {}, {
          runName: body.runName,
          tags: body.tags,
          idempotencyKey: body.idempotencyKey,
          startDelaySeconds: delayUntil(body.scheduledTime),
        });
        return new Reply(created ? 201 : 200, startedRun(client, handle, created));
      },
    }),
  ];
}
