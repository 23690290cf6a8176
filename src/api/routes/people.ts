/** Routes for people in the loop: pause and resume a run, list pending approvals, decide one. */
import { z } from 'zod';
import type { BatonClient } from '../../client/client';
import { ApprovalList, ApprovalResult, Decide, ListApprovalsQuery, Resume } from '../../core/schemas';
import { defineRoute } from '../route';
import { IdParam, Accepted } from './params';
import type { RouteOptions } from '../routes';

export function peopleRoutes(client: BatonClient, options: RouteOptions) {
  return [
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
