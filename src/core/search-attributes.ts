/**
 * Baton's search attributes: what makes flows, runs, tags and deployments searchable in the
 * Temporal Web UI (`BatonFlow = "etl"`), the API and the CLI. Pure: used in flows and in Node.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const FLOW_NAME = defineSearchAttributeKey('BatonFlow', SearchAttributeType.KEYWORD);
export const RUN_NAME = defineSearchAttributeKey('BatonRunName', SearchAttributeType.KEYWORD);
export const TAGS = defineSearchAttributeKey('BatonTags', SearchAttributeType.KEYWORD_LIST);
export const DEPLOYMENT = defineSearchAttributeKey('BatonDeployment', SearchAttributeType.KEYWORD);
/**
 * A flow run's state as far as Temporal's status cannot tell it: set to `Scheduled` or `Pending`
 * by whoever starts the run, then kept current by the run itself (`Running`, `Retrying`, `Paused`,
 * `AwaitingApproval`, `Cancelling`, and `TimedOut` when it ends on a timeout of its own). Read
 * together with the execution status by the client's state mapping, for lists and single runs alike.
 */
export const RUN_STATE = defineSearchAttributeKey('BatonState', SearchAttributeType.KEYWORD);
/** The keys of a flow's pending approvals, so every pending approval is one query away. */
export const AWAITING = defineSearchAttributeKey('BatonAwaiting', SearchAttributeType.KEYWORD_LIST);
/**
 * The keys of a flow run's keyed artifacts, so a key's versions across runs are one query away.
 * The third KeywordList: SQL visibility (PostgreSQL, MySQL) allows three per namespace.
 */
export const ARTIFACT_KEYS = defineSearchAttributeKey('BatonArtifactKeys', SearchAttributeType.KEYWORD_LIST);

/** An event's name, on its event workflow (`github.issues.opened`). */
export const EVENT_NAME = defineSearchAttributeKey('BatonEvent', SearchAttributeType.KEYWORD);
/** An event's resource id, on its event workflow. */
export const EVENT_RESOURCE = defineSearchAttributeKey('BatonResource', SearchAttributeType.KEYWORD);

/** Every attribute Baton registers, with the type the server must index it as. */
export const ALL_SEARCH_ATTRIBUTES = [FLOW_NAME, RUN_NAME, TAGS, DEPLOYMENT, RUN_STATE, AWAITING, ARTIFACT_KEYS, EVENT_NAME, EVENT_RESOURCE] as const;
