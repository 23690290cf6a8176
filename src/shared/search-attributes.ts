/**
 * Baton's search attributes: what makes flows, runs, tags and deployments searchable in the
 * Temporal Web UI (`BatonFlow = "etl"`), the API and the CLI. Pure: used in flows and in Node.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const FLOW_NAME = defineSearchAttributeKey('BatonFlow', SearchAttributeType.KEYWORD);
export const RUN_NAME = defineSearchAttributeKey('BatonRunName', SearchAttributeType.KEYWORD);
export const TAGS = defineSearchAttributeKey('BatonTags', SearchAttributeType.KEYWORD_LIST);
export const DEPLOYMENT = defineSearchAttributeKey('BatonDeployment', SearchAttributeType.KEYWORD);

/** Every attribute Baton registers, with the type the server must index it as. */
export const ALL_SEARCH_ATTRIBUTES = [FLOW_NAME, RUN_NAME, TAGS, DEPLOYMENT] as const;
