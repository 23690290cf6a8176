/**
 * The map shard workflow (`baton.map-shard`): one shard of a large `.map()`, a child workflow of
 * the flow. It runs its items as ordinary task runs, at most `concurrency` at a time, continues as
 * new when its history grows long (carrying the outcomes so far), and reads an earlier run's
 * outcomes when the flow was resumed from a failure. Sandbox-safe.
 */
import { ApplicationFailure, CancellationScope, CancelledFailure, continueAsNew, scheduleLocalActivity, workflowInfo } from '@temporalio/workflow';
import { detailFor } from '../core/failure-details';
import { PREVIOUS_SHARD_ACTIVITY, SHARD_ITEMS_FAILED, type ItemOutcome, type PreviousShardRequest } from '../core/map-shard';
import { setFlowParameters, setLocalTasksDefault } from './flow-context';
import { stateOfError } from './future';
import { installHumanHandlers, pausedFromOutside, setPausedFromOutside } from './human';
import { schedule } from './schedule-task';

/** A shard continues as new past this many history events, or when Temporal suggests it. */
const SHARD_HISTORY_EVENTS = 20_000;

export interface ShardInput {
  /** The task's key (its export name or task name). */
  task: string;
  /** The shard's argument lists, in order. */
  rows: unknown[][];
  /** Most items of this shard in flight at once. */
  concurrency: number;
  /** The flow's parameters, for tasks whose cache key includes them. */
  flowParameters: unknown;
  /** The flow run chain (its first Temporal run id): an earlier run of this shard in it is reused. */
  chain: string;
  /** Outcomes so far by item (null: not run yet), carried across continue-as-new. */
  outcomes?: (ItemOutcome | null)[];
  /** The flow was paused from outside when this shard (or its previous run) started. */
  paused?: boolean;
  /** The flow's `localTasks`: its items run as local activities unless their task says otherwise. Absent: false. */
  localTasks?: boolean;
  /** Continue as new past this many history events (default SHARD_HISTORY_EVENTS). */
  historyEvents?: number;
}

function outcomeOfError(error: unknown): ItemOutcome {
  const e = error instanceof Error ? error : new Error(String(error));
  return { ok: false, state: stateOfError(error), error: { type: e.name || 'Error', message: e.message, detail: detailFor(e) } };
}

/** Outcomes of an earlier run of this shard in the same flow run (a resumed run): completed items are kept. */
async function previousOutcomes(input: ShardInput): Promise<(ItemOutcome | null)[]> {
  const previous = await scheduleLocalActivity<ItemOutcome[] | null>(
    PREVIOUS_SHARD_ACTIVITY,
    [{ workflowId: workflowInfo().workflowId, chain: input.chain, items: input.rows.length } satisfies PreviousShardRequest],
    { startToCloseTimeout: 60_000, retry: { maximumAttempts: 3 }, summary: 'outcomes of an earlier run of this shard' },
  );
  return input.rows.map((_, i) => (previous?.[i]?.ok ? previous[i]! : null));
}

/**
 * The shard workflow: runs the items that have no outcome yet, at most `concurrency` at a time.
 * It completes with every item's outcome, or fails with them in the failure's details when an
 * item failed, so the Web UI marks the shard and resuming the flow starts from it.
 */
export async function runMapShard(input: ShardInput): Promise<ItemOutcome[]> {
  installHumanHandlers();
  if (input.paused) setPausedFromOutside(true);
  setFlowParameters(input.flowParameters);
  if (input.localTasks) setLocalTasksDefault(true);
  const { rows } = input;
  const outcomes = input.outcomes ?? (await previousOutcomes(input));
  const todo = rows.flatMap((_, i) => (outcomes[i] ? [] : [i]));
  let next = 0;
  let inFlight = 0;
  let stopping = false;
  await new Promise<void>((resolve) => {
    const launch = (): void => {
      while (!stopping && inFlight < input.concurrency && next < todo.length) {
        const i = todo[next++]!;
        inFlight++;
        schedule<unknown>(input.task, rows[i]!)
          .promise.then(
            (value) => (outcomes[i] = { ok: true, value }),
            (error: unknown) => (outcomes[i] = outcomeOfError(error)),
          )
          .finally(() => {
            inFlight--;
            const info = workflowInfo();
            if (CancellationScope.current().consideredCancelled) stopping = true;
            if (info.continueAsNewSuggested || info.historyLength >= (input.historyEvents ?? SHARD_HISTORY_EVENTS)) stopping = true;
            if (inFlight === 0 && (stopping || next === todo.length)) resolve();
            else launch();
          });
      }
      if (inFlight === 0) resolve();
    };
    launch();
  });
  // A cancelled flow cancels its shards: their items end Cancelled, and so does the shard.
  if (CancellationScope.current().consideredCancelled) throw new CancelledFailure('map shard cancelled');
  if (next < todo.length) {
    // Every launched item has ended: the outcomes carried are final, the rest run after.
    await continueAsNew<typeof runMapShard>({ ...input, outcomes, paused: pausedFromOutside() });
  }
  const ended = outcomes as ItemOutcome[];
  const failed = ended.filter((o) => !o.ok).length;
  if (failed) {
    const first = ended.findIndex((o) => !o.ok);
    const { error } = ended[first] as Extract<ItemOutcome, { ok: false }>;
    throw ApplicationFailure.create({
      type: SHARD_ITEMS_FAILED,
      message: `${failed} of ${ended.length} items failed; the first, item ${first + 1}: ${error.message}`,
      nonRetryable: true,
      details: [ended],
    });
  }
  return ended;
}
