/**
 * Events and automations: wire names and shapes both runtimes share. An event is stored as a
 * short workflow (`baton.event`, id `baton-event/<event id>`) and an automation as a long-running
 * one (`baton.automation`, id `baton-automation/<name>`); both are dispatched by the flow
 * dispatcher. Pure: no zod here (the request schemas live in src/events), so flows may import it.
 */

/** Workflow type of a stored event. */
export const EVENT_WORKFLOW = 'baton.event';
/** Workflow type of an automation. */
export const AUTOMATION_WORKFLOW = 'baton.automation';
/** Workflow id of the event with this id: a second start with it is refused, so a repeat is a no-op. */
export const eventWorkflowId = (eventId: string) => `baton-event/${eventId}`;
/** Workflow id of the automation with this name. */
export const automationWorkflowId = (name: string) => `baton-automation/${name}`;
/** Memo key of an event workflow: the event as stored. */
export const EVENT_MEMO = 'batonEvent';
/** Memo key of an automation workflow: its definition and whether it is paused. */
export const AUTOMATION_MEMO = 'batonAutomation';

/** Local activity of the event workflow: the automations an event matches. */
export const MATCH_ACTIVITY = 'baton.events.match';
/** Activity that performs one action of an automation, idempotently by its key. */
export const ACT_ACTIVITY = 'baton.events.act';
/** Local activity of a flow run that stores one of Baton's own events (its id makes a repeat a no-op). */
export const EMIT_ACTIVITY = 'baton.events.emit';

/** Signals of an automation workflow. */
export const AUTOMATION_PAUSE_SIGNAL = 'baton.automation.pause';
export const AUTOMATION_RESUME_SIGNAL = 'baton.automation.resume';
export const AUTOMATION_UPDATE_SIGNAL = 'baton.automation.update';
/** An event for a threshold or proactive trigger, sent by the event's own workflow. */
export const AUTOMATION_EVENT_SIGNAL = 'baton.automation.event';
/** Query of an automation workflow: its definition and trigger state. */
export const AUTOMATION_STATE_QUERY = 'baton.automation.state';

/** Patch id under which a flow run emits its own events (older histories replay without them). */
export const FLOW_RUN_EVENTS_PATCH = 'baton.flow-run-events';

/** Names of Baton's own events. */
export const FLOW_RUN_EVENT = {
  started: 'baton.flow-run.started',
  completed: 'baton.flow-run.completed',
  failed: 'baton.flow-run.failed',
  cancelled: 'baton.flow-run.cancelled',
  'approval-requested': 'baton.approval.requested',
  'approval-decided': 'baton.approval.decided',
} as const;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** What an event is about: an id and labels (`{ id: 'octo/repo', kind: 'repository' }`). */
export interface EventResource {
  id: string;
  [label: string]: string;
}

/** An event as stored: every field filled in. */
export interface StoredEvent {
  id: string;
  event: string;
  resource: EventResource | null;
  payload: Record<string, unknown>;
  /** When it happened (ISO 8601), as its sender says; the time it was received otherwise. */
  occurred: string;
  /** When Baton stored it (ISO 8601). */
  received: string;
}

/** An event name pattern: `*` stands for any run of characters (`github.issues.*`). */
export interface EventTrigger {
  type: 'event';
  /** Event name pattern. */
  match: string;
  /** Equality on the resource's id and labels. */
  resource?: Record<string, string>;
  /** Equality on dotted paths into the payload (`issue.state: open`). */
  payload?: Record<string, string | number | boolean | null>;
}

/** Fires when `count` matching events arrive within `withinSeconds`; the window then starts over. */
export interface ThresholdTrigger extends Omit<EventTrigger, 'type'> {
  type: 'threshold';
  count: number;
  withinSeconds: number;
}

/**
 * Fires when an event matching `after` is not followed, for the same resource id, by one matching
 * `expect` within `withinSeconds` (a flow run started and never completed, say).
 */
export interface ProactiveTrigger {
  type: 'proactive';
  after: string;
  expect: string;
  withinSeconds: number;
  /** Equality on the `after` event's resource. */
  resource?: Record<string, string>;
}

export type Trigger = EventTrigger | ThresholdTrigger | ProactiveTrigger;

/**
 * What an automation does. String fields and parameters may hold `{{ path }}` templates into the
 * event (`{{payload.issue.html_url}}`, `{{resource.id}}`, `{{event}}`, `{{id}}`).
 */
export type Action =
  | { type: 'run-deployment'; deployment: string; parameters?: Record<string, unknown> }
  | { type: 'pause-deployment'; deployment: string }
  | { type: 'resume-deployment'; deployment: string }
  | { type: 'cancel-flow-run'; flowRunId: string }
  | { type: 'call-webhook'; url: string; body?: unknown };

export interface AutomationDefinition {
  name: string;
  description?: string;
  trigger: Trigger;
  actions: Action[];
}

/** What an automation workflow keeps in its memo (and so what a list shows). */
export interface AutomationMemo {
  definition: AutomationDefinition;
  paused: boolean;
  createdAt: string;
  updatedAt: string;
}

/** How an event matched an automation, as the event workflow learns it. */
export interface AutomationMatch {
  automation: string;
  /** `fire`: the event workflow performs the actions; `signal`: the automation workflow keeps state first. */
  mode: 'fire' | 'signal';
  /** For a proactive trigger: the event opened (`after`) or closed (`expect`) a wait. */
  role?: 'after' | 'expect';
  actions: Action[];
}

/** One action to perform, with the key that makes it happen once. */
export interface ActRequest {
  automation: string;
  /** `automation/<name>/<event id>/<action index>`: the same on every retry and replay. */
  key: string;
  action: Action;
  event: StoredEvent;
}

/** What an action did: the run it started, or why it did nothing. */
export interface ActResult {
  key: string;
  type: Action['type'];
  /** The flow run a run-deployment action started (or found started by an earlier attempt). */
  flowRunId?: string;
  created?: boolean;
  status?: number;
  note?: string;
}

/** The event an automation workflow is sent for a stateful trigger. */
export interface AutomationEventSignal {
  event: StoredEvent;
  role?: 'after' | 'expect';
}

/** The automation workflow's input: its definition, and on continue-as-new, its state so far. */
export interface AutomationInput {
  memo: AutomationMemo;
  state?: AutomationState;
}

export interface AutomationState {
  /** Threshold: matching events in the window (ids and times in ms). */
  window: { id: string; at: number }[];
  /** Proactive: waits opened by an `after` event, by resource id. */
  waiting: Record<string, { eventId: string; deadline: number; event: StoredEvent }>;
  /** Proactive: when the expected event last happened, by resource id (ms), for an `after` event that arrives late. */
  closed?: Record<string, number>;
  /** Recently seen event ids, so a repeated signal counts once. */
  seen: string[];
  /** How many times the automation has fired. */
  fired: number;
}

/** The key of an automation's action for an event: derived, so no retry or replay fires it twice. */
export const actionKey = (automation: string, eventId: string, index: number) => `automation/${automation}/${eventId}/${index}`;
