/** Flow-run routes: list, read, task runs, cancel, and retry a run that ended. */
import type { BatonClient } from '../../client/client';
import { FlowRun, FlowRunList, ListFlowRunsQuery, RetriedRun, RetryRun, TaskRunList } from '../../core/schemas';
import { defineRoute } from '../route';
import { IdParam, Accepted } from './params';
import { startedRun } from './started-run';

export function flowRunRoutes(client: BatonClient) {
  const started = (handle: { id: string; flowName: string; runName?: string }, created: boolean) => startedRun(client, handle, created);
  return [
    defineRoute({
      method: 'get',
      path: '/api/flow-runs',
      summary: 'Flow runs, newest first, filtered by deployment, flow, state, tag, run-name prefix and start time',
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
  ];
}
