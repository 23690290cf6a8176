/** Event routes: send an event (stored durably, matched against the automations), and list recent ones. */
import type { BatonClient } from '../../client/client';
import { EventStore } from '../../events/event-store';
import { EmitEvent, EventAccepted, EventList, ListEventsQuery } from '../../events/schemas';
import { defineRoute } from '../route';

export function eventRoutes(client: BatonClient) {
  const store = new EventStore(client);
  return [
    defineRoute({
      method: 'post',
      path: '/api/events',
      summary: 'Send an event: answered once it is stored; an id sent before is ignored (duplicate: true)',
      tag: 'events',
      access: 'admin',
      body: EmitEvent,
      response: EventAccepted,
      status: 202,
      errors: [503],
      handler: async ({ body }) => store.emit(body),
    }),
    defineRoute({
      method: 'get',
      path: '/api/events',
      summary: 'Recent events, newest first, by name and resource id, a page at a time',
      tag: 'events',
      access: 'read',
      query: ListEventsQuery,
      response: EventList,
      errors: [503],
      handler: async ({ query }) => store.list(query),
    }),
  ];
}
