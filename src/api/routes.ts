/**
 * Every route of the REST API, declared with its schemas (see route.ts); flow routes live in
 * routes/flows.ts. Every route that reads or writes Temporal names 503: Temporal is unreachable.
 */
import { z } from 'zod';
import type { CacheStore } from '../activities/cache-store';
import type { BatonClient } from '../client/client';
import { ConflictError } from '../core/errors';
import { defineRoute, Reply } from './route';
import { flowRoutes } from './routes/flows';
import { startedRun } from './routes/started-run';
import {
  contract,
  doc,
  ApprovalList,
  ApprovalResult,
  Backfill,
  ClearCacheQuery,
  ClearedCache,
  Decide,
  ListApprovalsQuery,
  Resume,
  RetriedRun,
  RetryRun,
  CreateDeployment,
  Deployment,
  DeploymentList,
  FlowRun,
  FlowRunList,
  Health,
  ListDeploymentsQuery,
  ListFlowRunsQuery,
  RunDeployment,
  StartedRun,
  TaskRunList,
  UpdateDeployment,
} from '../core/schemas';

const NameParam = z.object({ name: z.string().min(1).max(100) }).strict();
const IdParam = z.object({ id: z.string().min(1).max(1_000) }).strict();
const Accepted = z.object({ accepted: z.literal(true) }).register(contract, { id: 'Accepted' });

export interface RouteOptions {
  /** Seconds a decision on an approval waits for the run's worker before answering 503. @default DECIDE_WAIT_SECONDS */
  decideWaitSeconds?: number;
}

export function routes(client: BatonClient, cache?: CacheStore, options: RouteOptions = {}) {
  const started = (handle: { id: string; flowName: string; runName?: string }, created: boolean): StartedRun => startedRun(client, handle, created);

  return [
    defineRoute({
      method: 'get',
      path: '/api/health',
      summary: 'Whether the API is up and Temporal reachable',
      tag: 'system',
      access: 'public',
      response: Health,
      // A Health body either way: 'degraded' when Temporal cannot be reached.
      replies: [503],
      handler: async () => {
        const namespace = client.options.target.namespace;
        try {
          await client.connection.workflowService.getSystemInfo({});
          return { status: 'ok', temporal: { reachable: true, namespace } };
        } catch {
          return new Reply(503, { status: 'degraded', temporal: { reachable: false, namespace } });
        }
      },
    }),
    ...flowRoutes(client),
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
      // 200: the idempotency key named a run already started.
      replies: [200],
      errors: [404, 503],
      handler: async ({ params, body }) => {
        const { handle, created } = await client.deployments.run(params.name, body);
        return new Reply(created ? 201 : 200, started(handle, created));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/flow-runs',
      summary: 'Flow runs, newest first, filtered by deployment, flow, state, tag and start time',
      tag: 'flow runs',
      access: 'read',
      query: ListFlowRunsQuery,
      response: FlowRunList,
      errors: [503],
      handler: async ({ query }) => client.flowRuns.list(query),
    }),
    defineRoute({
      method: 'get',
      path: '/api/flow-runs/:id',
      summary: 'A flow run: state, parameters, result or error, times, deployment, parent and child runs, Web UI link',
      tag: 'flow runs',
      access: 'read',
      params: IdParam,
      response: FlowRun,
      errors: [404, 503],
      handler: async ({ params }) => client.flowRuns.get(params.id),
    }),
    defineRoute({
      method: 'get',
      path: '/api/flow-runs/:id/task-runs',
      summary: "A flow run's task runs and subflow runs",
      tag: 'flow runs',
      access: 'read',
      params: IdParam,
      response: TaskRunList,
      errors: [404, 503],
      handler: async ({ params }) => ({ taskRuns: await client.flowRuns.taskRuns(params.id) }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/flow-runs/:id/cancel',
      summary: "Cancel a run; the flow's cleanup code still runs",
      tag: 'flow runs',
      access: 'admin',
      params: IdParam,
      response: Accepted,
      status: 202,
      errors: [404, 409, 503],
      handler: async ({ params }) => {
        await client.flowRuns.cancel(params.id);
        return { accepted: true as const };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/flow-runs/:id/retry',
      summary: 'Retry an ended run: resume it from its first failed task, or restart it as a new run with the same parameters',
      tag: 'flow runs',
      access: 'admin',
      params: IdParam,
      body: RetryRun,
      response: RetriedRun,
      status: 201,
      errors: [404, 409, 503],
      handler: async ({ params, body }) => {
        const { handle, mode } = await client.flowRuns.retry(params.id, { mode: body.mode });
        return { ...started(handle, mode === 'restart'), mode };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/cache',
      summary: "Clear cached task results: all, one task's, or one key",
      tag: 'cache',
      access: 'admin',
      query: ClearCacheQuery,
      response: ClearedCache,
      errors: [409],
      handler: async ({ query }) => {
        if (!cache) throw new ConflictError('this API has no result cache configured');
        return { removed: await cache.clear({ taskName: query.task, key: query.key }) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/flow-runs/:id/pause',
      summary: 'Pause a running flow: it starts no new task (running ones finish) until resumed',
      tag: 'people',
      access: 'admin',
      params: IdParam,
      response: Accepted,
      status: 202,
      errors: [404, 409, 503],
      handler: async ({ params, principal }) => {
        await client.flowRuns.pause(params.id, principal.name);
        return { accepted: true as const };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/flow-runs/:id/resume',
      summary: 'Resume a paused flow (everything, or one pause() by key)',
      tag: 'people',
      access: 'admin',
      params: IdParam,
      body: Resume,
      response: Accepted,
      status: 202,
      errors: [404, 409, 503],
      handler: async ({ params, body, principal }) => {
        await client.flowRuns.resume(params.id, { key: body.key, by: principal.name });
        return { accepted: true as const };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/approvals',
      summary: 'Every pending approval across runs, with what it asks and the JSON schema of its input',
      tag: 'people',
      access: 'read',
      query: ListApprovalsQuery,
      response: ApprovalList,
      errors: [503],
      handler: async ({ query }) => client.approvals.list(query),
    }),
    defineRoute({
      method: 'post',
      path: '/api/flow-runs/:id/approvals/:key',
      summary: 'Approve or reject a pending approval; invalid input is refused and the run left untouched',
      tag: 'people',
      access: 'admin',
      params: z.object({ id: z.string().min(1).max(1_000), key: z.string().min(1).max(200) }).strict(),
      body: Decide,
      response: ApprovalResult,
      errors: [404, 409, 503],
      handler: async ({ params, body, principal }) => client.approvals.decide(params.id, params.key, body, principal.name, { waitSeconds: options.decideWaitSeconds }),
    }),
  ];
}
