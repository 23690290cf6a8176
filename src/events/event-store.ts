/**
 * Events stored in Temporal: each event is a short workflow (`baton.event`) whose id comes from
 * the event id, so storing the same event twice starts nothing the second time (Temporal refuses a
 * second start with the id, also once the first has ended, for the namespace's retention). The
 * event's name and resource id are search attributes, its body the workflow's input and memo; a
 * list is one visibility query.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { BatonClient } from '../client/client';
import { dateOf } from '../client/temporal-values';
import { pageTokenBytes, pageTokenText, quote } from '../client/visibility';
import { EVENT_MEMO, EVENT_WORKFLOW, eventWorkflowId, type StoredEvent } from '../core/events';
import { EVENT_NAME, EVENT_RESOURCE } from '../core/search-attributes';
import { decodeMemo } from './payloads';
import type { EmitEvent, EventAccepted, EventList, ListEventsQuery } from './schemas';

export class EventStore {
  constructor(
    private readonly client: BatonClient,
    /** Task queue the event workflows run on (the workers' queue). */
    private readonly queue?: string,
  ) {}

  /** The event with every field filled in, as it is stored. */
  static complete(input: EmitEvent, now = new Date()): StoredEvent {
    const received = now.toISOString();
    return {
      id: input.id ?? randomUUID(),
      event: input.event,
      resource: input.resource ?? null,
      payload: input.payload ?? {},
      occurred: input.occurred ? new Date(input.occurred).toISOString() : received,
      received,
    };
  }

  /**
   * Stores an event durably (its workflow has started when this returns), or finds it stored
   * already: `duplicate` is true then, and nothing else happens.
   */
  async emit(input: EmitEvent): Promise<EventAccepted> {
    const event = EventStore.complete(input);
    try {
      await this.client.temporal.workflow.start(EVENT_WORKFLOW, {
        workflowId: eventWorkflowId(event.id),
        taskQueue: this.queue ?? this.client.options.taskQueue ?? 'baton',
        args: [event],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        memo: { [EVENT_MEMO]: event },
        typedSearchAttributes: [{ key: EVENT_NAME, value: event.event }, ...(event.resource ? [{ key: EVENT_RESOURCE, value: event.resource.id }] : [])],
        staticSummary: event.resource ? `${event.event} · ${event.resource.id}` : event.event,
      });
      return { id: event.id, duplicate: false };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return { id: event.id, duplicate: true };
      throw err;
    }
  }

  /** Events, newest first, filtered by name and resource id, a page at a time. */
  async list(query: Partial<ListEventsQuery> = {}): Promise<EventList> {
    const clauses = [`WorkflowType = ${quote(EVENT_WORKFLOW)}`];
    if (query.event) clauses.push(`${EVENT_NAME.name} = ${quote(query.event)}`);
    if (query.resource) clauses.push(`${EVENT_RESOURCE.name} = ${quote(query.resource)}`);
    const response = await this.client.temporal.workflowService.listWorkflowExecutions({
      namespace: this.client.namespace,
      pageSize: query.pageSize ?? 50,
      nextPageToken: pageTokenBytes(query.pageToken),
      query: clauses.join(' AND '),
    });
    const codecs = this.client.options.dataConverter?.payloadCodecs ?? [];
    // Visibility lists running workflows first, then by end time: an event whose workflow ends
    // after a later one's would come first. A page is put in the order the events were stored
    // (the server's start time of each event's workflow, which a sender's clock cannot skew).
    const executions = [...(response.executions ?? [])].sort((a, b) => (dateOf(b.startTime)?.getTime() ?? 0) - (dateOf(a.startTime)?.getTime() ?? 0));
    const events: StoredEvent[] = [];
    for (const e of executions) {
      const event = (await decodeMemo(codecs, e.memo?.fields?.[EVENT_MEMO])) as StoredEvent | undefined;
      if (event) events.push(event);
    }
    return { events, nextPageToken: pageTokenText(response.nextPageToken) };
  }
}
