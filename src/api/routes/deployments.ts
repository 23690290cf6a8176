/** Deployment routes: create, list, read, change, delete, pause, resume, backfill, and run now. */
import { z } from 'zod';
import type { BatonClient } from '../../client/client';
import { Backfill, CreateDeployment, Deployment, DeploymentList, doc, ListDeploymentsQuery, RunDeployment, StartedRun, UpdateDeployment } from '../../core/schemas';
import { defineRoute, Reply } from '../route';
import { NameParam, Accepted } from './params';
import { startedRun } from './started-run';

export function deploymentRoutes(client: BatonClient) {
  const started = (handle: { id: string; flowName: string; runName?: string }, created: boolean) => startedRun(client, handle, created);
  return [
    defineRoute({
      method: 'post',
      path: '/api/deployments',
      summary: 'Create a deployment, or update it when one has that name (idempotent); with dryRun=true, only check it',
      tag: 'deployments',
      access: 'admin',
      query: z.object({ dryRun: doc(z.enum(['true', 'false']).optional(), 'true: run every check and answer what would be applied, changing nothing') }).strict(),
      body: CreateDeployment,
      response: Deployment,
      status: 201,
      // 200: updated an existing deployment, or a dry run.
      replies: [200],
      errors: [503],
      handler: async ({ query, body }) => {
        if (query.dryRun === 'true') return new Reply(200, client.deployments.check(body));
        const { deployment, created } = await client.deployments.apply(body);
        return new Reply(created ? 201 : 200, deployment);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/deployments',
      summary: 'Deployments, filtered by flow and tag, a page at a time',
      tag: 'deployments',
      access: 'read',
      query: ListDeploymentsQuery,
      response: DeploymentList,
      errors: [503],
      handler: async ({ query }) => client.deployments.list(query),
    }),
    defineRoute({
      method: 'get',
      path: '/api/deployments/:name',
      summary: 'A deployment, with its next run times and recent runs',
      tag: 'deployments',
      access: 'read',
      params: NameParam,
      response: Deployment,
      errors: [404, 503],
      handler: async ({ params }) => client.deployments.get(params.name),
    }),
    defineRoute({
      method: 'patch',
      path: '/api/deployments/:name',
      summary: 'Change some settings of a deployment',
      tag: 'deployments',
      access: 'admin',
      params: NameParam,
      body: UpdateDeployment,
      response: Deployment,
      errors: [404, 503],
      handler: async ({ params, body }) => client.deployments.update(params.name, body),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/deployments/:name',
      summary: 'Delete a deployment and its schedule (runs already started go on)',
      tag: 'deployments',
      access: 'admin',
      params: NameParam,
      status: 204,
      errors: [404, 503],
      handler: async ({ params }) => client.deployments.delete(params.name),
    }),
    defineRoute({
      method: 'post',
      path: '/api/deployments/:name/pause',
      summary: 'Stop scheduled runs until resumed',
      tag: 'deployments',
      access: 'admin',
      params: NameParam,
      response: Deployment,
      errors: [404, 503],
      handler: async ({ params }) => client.deployments.pause(params.name),
    }),
    defineRoute({
      method: 'post',
      path: '/api/deployments/:name/resume',
      summary: 'Restart scheduled runs',
      tag: 'deployments',
      access: 'admin',
      params: NameParam,
      response: Deployment,
      errors: [404, 409, 503],
      handler: async ({ params }) => client.deployments.resume(params.name),
    }),
    defineRoute({
      method: 'post',
      path: '/api/deployments/:name/backfill',
      summary: 'Start the runs the schedule gives between start and end',
      tag: 'deployments',
      access: 'admin',
      params: NameParam,
      body: Backfill,
      response: Accepted,
      status: 202,
      errors: [404, 409, 503],
      handler: async ({ params, body }) => {
        await client.deployments.backfill(params.name, body);
        return { accepted: true as const };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/deployments/:name/runs',
      summary: "Run a deployment now (or at scheduledTime), its default parameters merged under the request's",
      tag: 'flow runs',
      access: 'admin',
      params: NameParam,
      body: RunDeployment,
      response: StartedRun,
      status: 201,
      // 200: the idempotency key named a run already started; 409: it named one with other parameters.
      replies: [200],
      errors: [404, 409, 503],
      handler: async ({ params, body }) => {
        const { handle, created } = await client.deployments.run(params.name, body);
        return new Reply(created ? 201 : 200, started(handle, created));
      },
    }),
  ];
}
