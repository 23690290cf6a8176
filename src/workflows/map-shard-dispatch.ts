/**
 * Large `.map()` calls, past Temporal's per-workflow limits (2,000 pending activities, 51,200
 * history events). A map over more items than one shard holds runs as child workflows of the flow
 * (map-shard-child.ts), one per shard of consecutive items, a few at a time. The flow gets back the
 * same `FutureList` as a small map (map-shard-futures.ts). An outside pause of the flow is passed
 * on to the running shards. Sandbox-safe.
 *
 * Shards are workflows of type `baton.map-shard` with ids `<flow run id>/<task>-map<n>-<k>`; they
 * carry no BatonFlow search attribute, so they are not listed as flow runs.
 */
import { ApplicationFailure, ChildWorkflowFailure, getExternalWorkflowHandle, startChild, workflowInfo } from '@temporalio/workflow';
import { BatonError } from '../core/errors';
import { PAUSE_SIGNAL, RESUME_SIGNAL } from '../core/human';
import { MAP_SHARD_WORKFLOW, SHARD_CHAIN_MEMO, SHARD_ITEMS_FAILED, type ItemOutcome } from '../core/map-shard';
import { subflowError } from './failures';
import { currentFlowParameters } from './flow-context';
import type { FutureList } from './future';
import { onExternalPause, pausedFromOutside, whileNotPaused } from './human';
import { Limiter } from './limiter';
import { flowNamed } from './registry';
import type { runMapShard, ShardInput } from './map-shard-child';
import { ShardedFutureList } from './map-shard-futures';
import { runState } from './run-state';
import { runNameOf, specOf } from './schedule-task';

/** Items per shard unless the call site says otherwise; maps this size or smaller are not sharded. */
export const DEFAULT_SHARD_SIZE = 1000;
/** Shards running at once when the map has no concurrency cap. */
const SHARDS_AT_ONCE = 4;
/**
 * Most task runs one shard keeps in flight. Four shards of 1,000 in flight ran 140 tasks/s on a
 * 2-core machine; of 100 or 250, 190 (the backlog beyond what workers can take only costs the
 * server). Measured with the raw SDK; see bench/RESULTS.md.
 */
const SHARD_IN_FLIGHT = 250;
/** The largest shard a call site may ask for. */
export const MAX_SHARD_SIZE = 10_000;

/** Sharded maps started so far in this run (they number their shards' ids). */
const MAPS = Symbol.for('baton.run.maps');
const mapCount = () => runState(MAPS, () => ({ sharded: 0 }));

/** Runs a large map as shards (child workflows); called by task handles for maps past one shard. */
export function shardedMap<R>(key: string, rows: unknown[][], options: { concurrency?: number; shardSize: number }): FutureList<R> {
  const spec = specOf(key);
  const size = options.shardSize;
  const perShard = Math.min(size, options.concurrency ?? size, SHARD_IN_FLIGHT);
  const shardsAtOnce = options.concurrency ? Math.max(1, Math.floor(options.concurrency / perShard)) : SHARDS_AT_ONCE;
  // Only a limit the caller set is a limit worth counting waits for.
  const limiter = new Limiter(shardsAtOnce, options.concurrency ? `map-shards:${spec.name}` : undefined);
  const parent = workflowInfo();
  const mapNumber = ++mapCount().sharded;
  const flowParameters = currentFlowParameters();
  // The flow's default for its tasks reaches the shards, which are not the flow.
  const localTasks = flowNamed(parent.workflowType)?.options.localTasks === true;
  // Shards are signalled by workflow id alone, so a shard that continued as new still hears it.
  const running = new Set<string>();
  const signal = (workflowId: string, paused: boolean) =>
    void getExternalWorkflowHandle(workflowId)
      .signal(paused ? PAUSE_SIGNAL : RESUME_SIGNAL)
      .catch(() => undefined);
  const forward = (paused: boolean) => {
    for (const workflowId of running) signal(workflowId, paused);
  };
  const unsubscribe = onExternalPause(forward);
  const shards: Promise<ItemOutcome[]>[] = [];
  for (let k = 0; k * size < rows.length; k++) {
    const from = k * size;
    const to = Math.min(rows.length, from + size);
    const input: ShardInput = {
      task: key,
      rows: rows.slice(from, to),
      concurrency: perShard,
      flowParameters,
      chain: parent.firstExecutionRunId,
      // Only when set, so a shard of a regular flow starts with the input it always had.
      ...(localTasks ? { localTasks } : {}),
    };
    const run = async () => {
      await whileNotPaused();
      const workflowId = `${parent.workflowId}/${spec.name}-map${mapNumber}-${k + 1}${parent.attempt > 1 ? `-a${parent.attempt}` : ''}`;
      const handle = await startChild<typeof runMapShard>(MAP_SHARD_WORKFLOW, {
        workflowId,
        args: [input],
        taskQueue: parent.taskQueue,
        staticSummary: `${spec.name}: items ${from + 1}–${to} of ${rows.length}`,
        memo: { [SHARD_CHAIN_MEMO]: parent.firstExecutionRunId },
      });
      running.add(workflowId);
      try {
        if (pausedFromOutside()) signal(workflowId, true);
        return await handle.result().catch((err: unknown) => {
          // A shard with failed items fails (so resuming the flow starts there) but reports every outcome.
          const cause = err instanceof ChildWorkflowFailure ? err.cause : undefined;
          if (cause instanceof ApplicationFailure && cause.type === SHARD_ITEMS_FAILED) return cause.details?.[0] as ItemOutcome[];
          throw err;
        });
      } finally {
        running.delete(workflowId);
      }
    };
    shards.push(
      limiter.run(run).catch((err: unknown) => {
        throw subflowError(err);
      }),
    );
  }
  void Promise.allSettled(shards).then(unsubscribe);
  return new ShardedFutureList<R>(spec.name, (i) => runNameOf(spec, rows[i]!), rows.length, size, shards);
}

/** Checks a call site's shard size. */
export function checkShardSize(shardSize: unknown): void {
  if (shardSize !== undefined && !(Number.isInteger(shardSize) && (shardSize as number) >= 1 && (shardSize as number) <= MAX_SHARD_SIZE)) {
    throw new BatonError(`shardSize must be a whole number from 1 to ${MAX_SHARD_SIZE}`);
  }
}
