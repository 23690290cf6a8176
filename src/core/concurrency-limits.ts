/**
 * Global concurrency and rate limits (Prefect's global concurrency limits, tag-based task limits
 * and slot decay): one long-running workflow per named limit (`baton.concurrency-limit`, id
 * `baton-limit/<name>`) holds its slots, its holders and its queue of waiters. Flows ask for slots
 * with a signal and wait for a grant signal; tasks ask with an update. The wire names and shapes
 * both sides share are defined here. Pure: used in flows and in Node.
 */

/** Workflow type of a limit's workflow. */
export const LIMIT_WORKFLOW = 'baton.concurrency-limit';
/** Workflow id of the limit named `name`. */
export const limitWorkflowId = (name: string) => `baton-limit/${name}`;
/** Memo key holding the limit's settings, read by lists through visibility. */
export const LIMIT_MEMO = 'batonConcurrencyLimit';

/** Flow → limit: queue this request (a flow waits for {@link LIMIT_GRANT_SIGNAL}). */
export const LIMIT_ACQUIRE_SIGNAL = 'baton.limit.acquire';
/** Holder → limit: give the slots back, or leave the queue when still waiting. */
export const LIMIT_RELEASE_SIGNAL = 'baton.limit.release';
/** Limit → flow: the request with this lease id holds its slots now. */
export const LIMIT_GRANT_SIGNAL = 'baton.limit.grant';
/** Task → limit: queue this request and wait (a bounded time) for the grant. */
export const LIMIT_TASK_ACQUIRE_UPDATE = 'baton.limit.acquire-task';
/** Client → limit: change slots, slot decay or active. */
export const LIMIT_CONFIGURE_UPDATE = 'baton.limit.configure';
/**
 * Client → limit: the same change as a signal, taken whenever a worker next runs the limit (a
 * deployment keeping its limit in step needs no worker of the limit's queue to answer).
 */
export const LIMIT_CONFIGURE_SIGNAL = 'baton.limit.configure-signal';
/** Client → limit: delete the limit; every waiter is let through. */
export const LIMIT_DELETE_UPDATE = 'baton.limit.delete';
/** The limit's settings, holders and waiters. */
export const LIMIT_STATE_QUERY = 'baton.limit.state';
/** The activity a limit asks which of its holders are gone (their run or attempt ended). */
export const LIMIT_GONE_HOLDERS_ACTIVITY = 'baton.limit.gone-holders';

/** Local activity: which of these limits exist (what a tagged task call asks before it queues). */
export const LIMIT_EXISTING_ACTIVITY = 'baton.limit.existing';
/** Local activity: create a per-key limit from its template unless it exists. */
export const LIMIT_ENSURE_KEYED_ACTIVITY = 'baton.limit.ensure-keyed';
/** Seconds a per-key limit made on demand lives on with nobody holding or waiting; made again on next use. */
export const KEYED_IDLE_SECONDS = 600;

/** Most slots a limit may have. */
export const MAX_LIMIT_SLOTS = 100_000;
/** A limit's name: letters, digits and `._-`, then optionally `:<key>` for a per-key limit. */
export const LIMIT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}(:[A-Za-z0-9._@-]{1,100})?$/;
/** What a bad name is told. */
export const LIMIT_NAME_RULE = 'must be 1-100 letters, digits, dots, dashes or underscores, optionally followed by :<key>';

/** The settings users set. */
export interface LimitSettings {
  /** Slots holders may occupy at once. */
  slots: number;
  /** Slots that come back per second once released (Prefect's slot decay); 0: at once. */
  slotDecayPerSecond: number;
  /** An inactive limit lets everyone through at once (holders are still recorded). */
  active: boolean;
}

/** Who holds or waits: a flow run, or one attempt of a task run. */
export interface LimitParty {
  kind: 'flow' | 'task';
  /** The flow run (workflow id). */
  flowRunId: string;
  /** The flow run's Temporal run id, so a later run with the same id is told apart. */
  runId: string;
  /** The task run's activity id, for a task. */
  activityId?: string;
  /** The task run's attempt, for a task: a later attempt means this one is over. */
  attempt?: number;
  /** For a slot a flow holds for a tagged task call: the task's name. */
  taskName?: string;
}

/** A request for slots. */
export interface AcquireRequest {
  /** Unique per request; names the lease in release, grant and inspect. */
  leaseId: string;
  slots: number;
  party: LimitParty;
  /** A rate-limit token: granted, then given back at once (it counts only through slot decay). */
  token?: boolean;
  /**
   * Granted now or never (a deployment's CANCEL_NEW collision strategy): when the slots are not
   * free at once, the limit refuses it and cancels the requesting flow run.
   */
  cancelIfBusy?: boolean;
}

export interface LimitHolder extends AcquireRequest {
  /** When the slots were granted (ISO 8601). */
  acquiredAt: string;
}

export interface LimitWaiter extends AcquireRequest {
  /** When the request was queued (ISO 8601). */
  queuedAt: string;
}

/** What the limit's workflow keeps, and carries over when it continues as new. */
export interface LimitState {
  name: string;
  /** A per-key limit made on demand ends itself after this many idle seconds. */
  idleSeconds?: number;
  settings: LimitSettings;
  holders: LimitHolder[];
  waiters: LimitWaiter[];
  /** Epoch ms at which each released-but-decaying slot comes back, ascending. */
  decaying: number[];
  /** Grants made since the limit was created. */
  granted: number;
  createdAt: string;
  updatedAt: string;
}

/** The limit's workflow input. */
export interface LimitInput {
  state: LimitState;
  /** Grants not yet collected by the tasks they answer, carried over when the workflow continues as new. */
  answers?: LimitGrant[];
  /** Lease ids released recently, likewise. */
  released?: string[];
}

/** The memo visibility lists limits by. */
export interface LimitMemo {
  name: string;
  settings: LimitSettings;
  createdAt: string;
  updatedAt: string;
}

/** What a flow or a task is told when its request is granted. */
export interface LimitGrant {
  leaseId: string;
  /** The limit was deleted while the request waited: it runs without a slot. */
  deleted?: boolean;
  /** The request can never be granted (more slots than the limit has); says why. */
  refused?: string;
  /** Refused because no slot was free at once (a request made with `cancelIfBusy`); says why. The run is being cancelled. */
  busy?: string;
  /** The option a refusal is about. */
  refusedField?: 'slots' | 'name';
}

/** What the task acquire update answers: granted, or ask again (the wait is bounded so the limit can continue as new). */
export interface TaskAcquireAnswer {
  granted: boolean;
  deleted?: boolean;
  refused?: string;
  refusedField?: 'slots' | 'name';
}

/** A change to a limit's settings. */
export type LimitPatch = Partial<LimitSettings>;

/** Why a patch (or new settings) is refused, naming the field; undefined when it is fine. */
export function settingsProblem(patch: LimitPatch): string | undefined {
  if (patch.slots !== undefined && (!Number.isInteger(patch.slots) || patch.slots < 1 || patch.slots > MAX_LIMIT_SLOTS)) {
    return `slots: must be a whole number from 1 to ${MAX_LIMIT_SLOTS} (got ${String(patch.slots)})`;
  }
  if (
    patch.slotDecayPerSecond !== undefined &&
    (typeof patch.slotDecayPerSecond !== 'number' || !(patch.slotDecayPerSecond >= 0) || patch.slotDecayPerSecond > 1_000)
  ) {
    return `slotDecayPerSecond: must be a number from 0 to 1000 (got ${String(patch.slotDecayPerSecond)})`;
  }
  if (patch.active !== undefined && typeof patch.active !== 'boolean') return `active: must be true or false (got ${String(patch.active)})`;
  return undefined;
}

/** Why a limit name is refused; undefined when it is fine. */
export function limitNameProblem(name: unknown): string | undefined {
  return typeof name === 'string' && LIMIT_NAME_PATTERN.test(name) ? undefined : `limit name ${JSON.stringify(name)} ${LIMIT_NAME_RULE}`;
}

/** The name of a per-key limit: `per-customer` and `acme` → `per-customer:acme`. */
export function keyedLimitName(name: string, key: string | undefined): string {
  return key === undefined ? name : `${name}:${key}`;
}

/** The limit a tag's task runs count against: `tag:<tag>`, as Prefect names tag-based task concurrency limits. */
export const tagLimitName = (tag: string) => `tag:${tag}`;

/** The limit a deployment's runs count against. */
export const deploymentLimitName = (deployment: string) => `deployment:${deployment}`;

/** What a deployment's run does when its deployment's limit has no free slot (Prefect's collision strategies). */
export type CollisionStrategy = 'ENQUEUE' | 'CANCEL_NEW';

/** A deployment's concurrency limit, as its runs carry it in their memo. */
export interface DeploymentConcurrency {
  /** The limit's name: `deployment:<deployment>`. */
  limit: string;
  collisionStrategy: CollisionStrategy;
}

/** Memo key of a deployment run's {@link DeploymentConcurrency}. */
export const DEPLOYMENT_CONCURRENCY_MEMO = 'batonConcurrency';
/** Memo key of why a run was cancelled by Baton itself (a CANCEL_NEW collision). */
export const CANCEL_REASON_MEMO = 'batonCancelReason';
