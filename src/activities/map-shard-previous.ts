/**
 * The local activity a map shard runs when it starts: the item outcomes of an earlier run of the
 * same shard of the same flow run. There is one when a failed flow run is resumed (Temporal resets
 * it to where the failed shard started), so items that completed then are not run again.
 */
import { ApplicationFailure, type Client, WorkflowFailedError } from '@temporalio/client';
import { quote } from '../client/visibility';
import { SHARD_CHAIN_MEMO, SHARD_ITEMS_FAILED, type ItemOutcome, type PreviousShardRequest, PREVIOUS_SHARD_ACTIVITY } from '../core/map-shard';

async function outcomesOf(client: Client, workflowId: string, runId: string): Promise<ItemOutcome[] | undefined> {
  try {
    return (await client.workflow.getHandle(workflowId, runId).result()) as ItemOutcome[];
  } catch (err) {
    const cause = err instanceof WorkflowFailedError ? err.cause : undefined;
    if (cause instanceof ApplicationFailure && cause.type === SHARD_ITEMS_FAILED) return cause.details?.[0] as ItemOutcome[];
    return undefined;
  }
}

export function mapShardActivities(client: () => Promise<Client>): Record<string, (request: PreviousShardRequest) => Promise<ItemOutcome[] | null>> {
  return {
    [PREVIOUS_SHARD_ACTIVITY]: async ({ workflowId, chain, items }) => {
      const c = await client();
      const ended: { runId: string; closed: number }[] = [];
      const query = `WorkflowId = ${quote(workflowId)} AND ExecutionStatus IN ('Completed', 'Failed')`;
      for await (const run of c.workflow.list({ query })) {
        if (run.memo?.[SHARD_CHAIN_MEMO] === chain) ended.push({ runId: run.runId, closed: run.closeTime?.getTime() ?? 0 });
      }
      ended.sort((a, b) => b.closed - a.closed);
      for (const { runId } of ended) {
        const outcomes = await outcomesOf(c, workflowId, runId);
        if (outcomes?.length === items) return outcomes;
      }
      return null;
    },
  };
}
