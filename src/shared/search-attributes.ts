/**
 * Baton's search attributes: what makes flows, runs, tags and deployments searchable in the
 * Temporal Web UI (`BatonFlow = "etl"`), the API and the CLI. Pure: used in flows and in Node.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const FLOW_NAME = defineSearchAttributeKey('BatonFlow', SearchAttributeType.KEYWORD);
export const RUN_NAME = defineSearchAttributeKey('BatonRunName', SearchAttributeType.KEYWORD);
export const TAGS = defineSearchAttributeKey('BatonTags', SearchAttributeType.KEYWORD_LIST);
export const DEPLOYMENT = defineSearchAttributeKey('BatonDeployment', SearchAttributeType.KEYWORD);
/** Set by a running flow while it waits for people: `Paused` or `AwaitingApproval`. */
export const WAITING_STATE = defineSearchAttributeKey('BatonState', SearchAttributeType.KEYWORD);
/** The keys of a flow's pending approvals, so every pending approval is one query away. */
export const AWAITING = defineSearchAttributeKey('BatonAwaiting', SearchAttributeType.KEYWORD_LIST);

/** Every attribute Baton registers, with the type the server must index it as. */
export const ALL_SEARCH_ATTRIBUTES = [FLOW_NAME, RUN_NAME, TAGS, DEPLOYMENT, WAITING_STATE, AWAITING] as const;
