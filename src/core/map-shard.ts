/** Names the shards of a large `.map()` share between the flow side and the worker. Pure. */

/** Workflow type of a shard. */
export const MAP_SHARD_WORKFLOW = 'baton.map-shard';
/** The local activity a shard runs first: the outcomes of an earlier run of the same shard. */
export const PREVIOUS_SHARD_ACTIVITY = 'baton.map-shard-previous';
/** Failure type of a shard some of whose items failed; its details carry every item's outcome. */
export const SHARD_ITEMS_FAILED = 'BatonMapShardItemsFailed';
/** Memo key: the flow run chain (first Temporal run id) a shard belongs to. */
export const SHARD_CHAIN_MEMO = 'batonFlowChain';

/** How one item ended, as a shard reports it to the flow. */
export type ItemOutcome = { ok: true; value: unknown } | { ok: false; state: string; error: { type: string; message: string; detail: Record<string, unknown> } };

export interface PreviousShardRequest {
  workflowId: string;
  /** The flow run chain the shard belongs to: runs of another chain are never reused. */
  chain: string;
  /** Items in the shard: a run of another size is never reused. */
  items: number;
}
