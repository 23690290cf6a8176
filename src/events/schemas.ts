/**
 * The contract of events and automations: what `POST /api/events` takes and what the event and
 * automation routes answer, registered in Baton's contract registry for the OpenAPI document.
 */
import { z } from 'zod';
import { boundedJson, contract, doc, Name, Page, Timestamp } from '../core/schemas';

/** Bytes an event's payload may take as JSON: it is kept in the event workflow's input and memo. */
export const MAX_PAYLOAD_BYTES = 256 * 1024;

export const EventName = z
  .string()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/, 'must start with a letter or digit and use only letters, digits, . _ : / -');

/** An event id: part of a workflow id, so printable and bounded. */
export const EventId = z
  .string()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/, 'must start with a letter or digit and use only letters, digits, . _ : / -');

const Label = z.string().max(500, 'must be at most 500 characters');
// NUL and double quotes cannot be searched for in Temporal's SQLite visibility store.
const ResourceId = z
  .string()
  .min(1, 'must not be empty')
  .max(500, 'must be at most 500 characters')
  // eslint-disable-next-line no-control-regex -- the NUL is one of the characters refused
  .regex(/^[^"\u0000]*$/, 'must not contain a double quote (") or a NUL character');

export const EventResource = z
  .object({ id: doc(ResourceId, 'what the event is about, such as a repository or a flow run id') })
  .catchall(Label)
  .register(contract, { id: 'EventResource', example: { id: 'octo/hello', kind: 'repository' } });

const Payload = boundedJson(z.record(z.string(), z.unknown())).refine((p) => Buffer.byteLength(JSON.stringify(p)) <= MAX_PAYLOAD_BYTES, {
  error: `must be at most ${MAX_PAYLOAD_BYTES / 1024} KiB as JSON`,
});

export const EmitEvent = z
  .object({
    event: doc(EventName, 'the event name, dotted: github.issues.opened'),
    resource: EventResource.optional(),
    payload: Payload.optional(),
    id: doc(EventId, 'the event id; a second event with the same id is ignored (default: a new UUID)').optional(),
    occurred: doc(Timestamp, 'when it happened (default: when it is received)').optional(),
  })
  .strict()
  .register(contract, { id: 'EmitEvent', example: { event: 'github.issues.opened', resource: { id: 'octo/hello' }, payload: { issue: { number: 1 } } } });
export type EmitEvent = z.infer<typeof EmitEvent>;

export const EventAccepted = z
  .object({ id: z.string(), duplicate: doc(z.boolean(), 'true: an event with this id was already stored, and this one was ignored') })
  .strict()
  .register(contract, { id: 'EventAccepted' });
export type EventAccepted = z.infer<typeof EventAccepted>;

export const Event = z
  .object({
    id: z.string(),
    event: z.string(),
    resource: EventResource.nullable(),
    payload: z.record(z.string(), z.unknown()),
    occurred: z.string(),
    received: z.string(),
  })
  .strict()
  .register(contract, { id: 'Event' });

export const EventList = z
  .object({ events: z.array(Event), nextPageToken: z.string().nullable() })
  .strict()
  .register(contract, { id: 'EventList' });
export type EventList = z.infer<typeof EventList>;

export const ListEventsQuery = Page.extend({
  event: doc(EventName, 'only events of this name').optional(),
  resource: doc(ResourceId, 'only events about this resource id').optional(),
}).strict();
export type ListEventsQuery = z.infer<typeof ListEventsQuery>;

// One JSON value of any scalar type (a union of types would make the document's schema a type list, which some validators refuse).
const Scalar = z
  .unknown()
  .refine((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v), 'must be a string, a number, a boolean or null') as z.ZodType<
  string | number | boolean | null
>;
const Pattern = z
  .string()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .regex(/^[A-Za-z0-9*][A-Za-z0-9._:/*-]*$/, 'must be an event name where * stands for any run of characters');
const Seconds = z
  .number()
  .int('must be a whole number')
  .min(1, 'must be at least 1')
  .max(30 * 86_400, 'must be at most 30 days');
const ResourceFilter = doc(z.record(z.string(), z.string()), "equality on the resource's id and labels").optional();
const PayloadFilter = doc(z.record(z.string(), Scalar), 'equality on dotted paths into the payload: { "issue.state": "open" }').optional();

export const Trigger = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('event'), match: Pattern, resource: ResourceFilter, payload: PayloadFilter }).strict(),
    z
      .object({
        type: z.literal('threshold'),
        match: Pattern,
        resource: ResourceFilter,
        payload: PayloadFilter,
        count: z.number().int('must be a whole number').min(1, 'must be at least 1').max(10_000, 'must be at most 10000'),
        withinSeconds: Seconds,
      })
      .strict(),
    z.object({ type: z.literal('proactive'), after: Pattern, expect: Pattern, withinSeconds: Seconds, resource: ResourceFilter }).strict(),
  ])
  .register(contract, { id: 'Trigger' });

const Template = z.string().min(1, 'must not be empty').max(2_000, 'must be at most 2000 characters');
const HttpUrl = z
  .string()
  .max(2_000, 'must be at most 2000 characters')
  .regex(/^https?:\/\/[^\s]+$/, 'must be an http(s) URL')
  .refine((u) => URL.canParse(u), 'must be an http(s) URL');
export const Action = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('run-deployment'), deployment: Name, parameters: boundedJson(z.record(z.string(), z.unknown())).optional() }).strict(),
    z.object({ type: z.literal('pause-deployment'), deployment: Name }).strict(),
    z.object({ type: z.literal('resume-deployment'), deployment: Name }).strict(),
    z.object({ type: z.literal('cancel-flow-run'), flowRunId: Template }).strict(),
    z.object({ type: z.literal('call-webhook'), url: HttpUrl, body: z.unknown().optional() }).strict(),
  ])
  .register(contract, { id: 'Action' });

export const AutomationDefinition = z
  .object({
    name: Name,
    description: z.string().max(2_000).optional(),
    trigger: Trigger,
    actions: z.array(Action).min(1, 'must name at least one action').max(20, 'must be at most 20 actions'),
    /** Declared paused: matches nothing until resumed. */
    paused: z.boolean().optional(),
  })
  .strict()
  .register(contract, {
    id: 'AutomationDefinition',
    example: {
      name: 'triage-issues',
      trigger: { type: 'event', match: 'github.issues.opened' },
      actions: [{ type: 'run-deployment', deployment: 'triage', parameters: { url: '{{payload.issue.html_url}}' } }],
    },
  });
export type AutomationDefinition = z.infer<typeof AutomationDefinition>;

export const Automation = z
  .object({
    name: z.string(),
    description: z.string().nullable(),
    trigger: Trigger,
    actions: z.array(Action),
    paused: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
    /** Times it has fired (stateful triggers count in their workflow; null when not read). */
    fired: z.number().int().nullable(),
  })
  .strict()
  .register(contract, { id: 'Automation' });
export type Automation = z.infer<typeof Automation>;

export const AutomationList = z
  .object({ automations: z.array(Automation) })
  .strict()
  .register(contract, { id: 'AutomationList' });
export type AutomationList = z.infer<typeof AutomationList>;
