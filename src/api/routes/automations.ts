/** Automation routes: create or replace, list, read, pause, resume, delete. */
import type { BatonClient } from '../../client/client';
import { Automations } from '../../events/automations';
import { Automation, AutomationDefinition, AutomationList } from '../../events/schemas';
import { defineRoute, Reply } from '../route';
import { NameParam } from './params';

export function automationRoutes(client: BatonClient) {
  const automations = new Automations(client);
  return [
    defineRoute({
      method: 'post',
      path: '/api/automations',
      summary: 'Create an automation, or replace the one with that name (idempotent); answered once events match it as sent',
      tag: 'automations',
      access: 'admin',
      body: AutomationDefinition,
      response: Automation,
      status: 201,
      // 200: replaced an existing automation.
      replies: [200],
      errors: [503],
      handler: async ({ body }) => {
        const { automation, created } = await automations.apply(body);
        return new Reply(created ? 201 : 200, automation);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/automations',
      summary: 'Every automation, by name',
      tag: 'automations',
      access: 'read',
      response: AutomationList,
      errors: [503],
      handler: async () => ({ automations: await automations.list() }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/automations/:name',
      summary: 'An automation, with how often its threshold or proactive trigger fired',
      tag: 'automations',
      access: 'read',
      params: NameParam,
      response: Automation,
      errors: [404, 503],
      handler: async ({ params }) => automations.get(params.name),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/automations/:name',
      summary: 'Delete an automation: events no longer match it (actions already started go on)',
      tag: 'automations',
      access: 'admin',
      params: NameParam,
      status: 204,
      errors: [404, 503],
      handler: async ({ params }) => automations.delete(params.name),
    }),
    defineRoute({
      method: 'post',
      path: '/api/automations/:name/pause',
      summary: 'Pause an automation: events match it no more until resumed',
      tag: 'automations',
      access: 'admin',
      params: NameParam,
      response: Automation,
      errors: [404, 503],
      handler: async ({ params }) => automations.pause(params.name),
    }),
    defineRoute({
      method: 'post',
      path: '/api/automations/:name/resume',
      summary: 'Resume a paused automation',
      tag: 'automations',
      access: 'admin',
      params: NameParam,
      response: Automation,
      errors: [404, 503],
      handler: async ({ params }) => automations.resume(params.name),
    }),
  ];
}
