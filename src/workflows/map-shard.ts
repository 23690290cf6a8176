/**
 * Large `.map()` calls, past Temporal's per-workflow limits (2,000 pending activities, 51,200
 * history events). A map over more items than one shard holds runs as child workflows of the flow,
 * one per shard of consecutive items, a few at a time. Each shard runs its items as ordinary task
 * runs and continues as new when its own history grows long, carrying the outcomes so far. The flow
 * gets back the same `FutureList` as a small map: results in input order, one state and error per
 * item. An outside pause of the flow is passed on to the running shards. Sandbox-safe.
 *
 * Shards are workflows of type `baton.map-shard` with ids `<flow run id>/<task>-map<n>-<k>`; they
 * carry no BatonFlow search attribute, so they are not listed as flow runs.
 */
import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  ChildWorkflowFailure,
  continueAsNew,
  getExternalWorkflowHandle,
  scheduleLocalActivity,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { BatonError, rebuildBatonError, TaskFailedError } from '../core/errors';
import { detailFor } from '../core/failure-details';
import { PAUSE_SIGNAL, RESUME_SIGNAL } from '../core/human';
import {
  MAP_SHARD_WORKFLOW,
  PREVIOUS_SHARD_ACTIVITY,
  SHARD_CHAIN_MEMO,
  SHARD_ITEMS_FAILED,
  type ItemOutcome,
  type PreviousShardRequest,
} from '../core/map-shard';
import type { State } from '../core/states';
import { subflowError } from './failures';
import { currentFlowParameters, setFlowParameters } from './flow-context';
import { FutureList, RunFuture, stateOfError, type RunOutcome } from './future';
import { runState } from './run-state';
import { installHumanHandlers, onExternalPause, pausedFromOutside, setPausedFromOutside, whileNotPaused } from './human';
import { Limiter } from './limiter';
import { runNameOf, schedule, specOf } from './schedule-task';

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
  /** Continue as new past this many history events (default SHARD_HISTORY_EVENTS). */
  historyEvents?: number;
}

function outcomeOfError(error: unknown): ItemOutcome {
  const e = error instanceof Error ? error : new Error(String(error));
  return { ok: false, state: stateOfError(error), error: { type: e.name || 'Error', message: e.message, detail: detailFor(e) } };
}

/** The error flow code sees for an item a shard reported as failed. */
function errorOfOutcome(outcome: Extract<ItemOutcome, { ok: false }>): Error {
  const { type, message, detail } = outcome.error;
  const rebuilt = rebuildBatonError(type, message, detail);
  if (rebuilt) return rebuilt;
  const error = new TaskFailedError(message);
  error.errorName = type;
  if (typeof detail.taskName === 'string') error.taskName = detail.taskName;
  return error;
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

/** How a whole shard ended: its items' outcomes, or the error the shard workflow failed with. */
type ShardEnd = { outcomes: ItemOutcome[] } | { error: unknown };

/**
 * The futures of a sharded map. Per-item futures are made only when someone asks for them; a
 * future made after its shard ended is final at once, so `await list.wait()` followed by
 * `list.futures` sees every state, as with a small map.
 */
class ShardedFutureList<R> extends FutureList<R> {
  private made: RunFuture<R>[] | undefined;
  /** Each shard's end, filled in as shards end. */
  private readonly ends: (ShardEnd | undefined)[];
  private readonly allEnded: Promise<ShardEnd[]>;

  constructor(
    private readonly taskName: string,
    private readonly runNames: (i: number) => string | undefined,
    private readonly count: number,
    private readonly shardSize: number,
    private readonly shards: Promise<ItemOutcome[]>[],
  ) {
    super([]);
    this.ends = shards.map(() => undefined);
    this.allEnded = Promise.all(
      shards.map((p, k) =>
        p.then(
          (outcomes): ShardEnd => (this.ends[k] = { outcomes }),
          (error: unknown): ShardEnd => (this.ends[k] = { error }),
        ),
      ),
    );
  }

  private itemEnd(end: ShardEnd, offset: number): RunOutcome<R> {
    if ('error' in end) return { error: end.error };
    const outcome = end.outcomes[offset]!;
    return outcome.ok ? { value: outcome.value as R } : { error: errorOfOutcome(outcome), state: outcome.state as State };
  }

  override get futures(): RunFuture<R>[] {
    this.made ??= Array.from({ length: this.count }, (_, i) => {
      const k = Math.floor(i / this.shardSize);
      const offset = i - k * this.shardSize;
      const ended = this.ends[k];
      const run = ended
        ? this.itemEnd(ended, offset)
        : this.shards[k]!.then(
            (outcomes) => {
              const outcome = outcomes[offset]!;
              if (outcome.ok) return outcome.value as R;
              throw errorOfOutcome(outcome);
            },
          );
      return new RunFuture<R>(this.taskName, this.runNames(i), run);
    });
    return this.made;
  }

  override get length(): number {
    return this.count;
  }

  private async ended(): Promise<ShardEnd[]> {
    const ends = await this.allEnded;
    // Futures handed out before the shards ended settle too before this list says it is done.
    if (this.made) await Promise.all(this.made.map((f) => f.wait()));
    return ends;
  }

  override async result(): Promise<R[]> {
    const results: R[] = new Array(this.count);
    let i = 0;
    for (const end of await this.ended()) {
      if ('error' in end) throw end.error;
      for (const outcome of end.outcomes) {
        if (!outcome.ok) throw errorOfOutcome(outcome);
        results[i++] = outcome.value as R;
      }
    }
    return results;
  }

  override async wait(): Promise<State[]> {
    const states: State[] = [];
    for (const [k, end] of (await this.ended()).entries()) {
      if ('error' in end) {
        const size = Math.min(this.shardSize, this.count - k * this.shardSize);
        for (let j = 0; j < size; j++) states.push(stateOfError(end.error));
      } else {
        for (const outcome of end.outcomes) states.push(outcome.ok ? 'Completed' : (outcome.state as State));
      }
    }
    return states;
  }
}

/** Sharded maps started so far in this run (they number their shards' ids). */
const MAPS = Symbol.for('baton.run.maps');
const mapCount = () => runState(MAPS, () => ({ sharded: 0 }));

/** Runs a large map as shards (child workflows); called by task handles for maps past one shard. */
export function shardedMap<R>(key: string, rows: unknown[][], options: { concurrency?: number; shardSize: number }): FutureList<R> {
  const spec = specOf(key);
  const size = options.shardSize;
  const perShard = Math.min(size, options.concurrency ?? size, SHARD_IN_FLIGHT);
  const shardsAtOnce = options.concurrency ? Math.max(1, Math.floor(options.concurrency / perShard)) : SHARDS_AT_ONCE;
  const limiter = new Limiter(shardsAtOnce);
  const parent = workflowInfo();
  const mapNumber = ++mapCount().sharded;
  const flowParameters = currentFlowParameters();
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
    const input: ShardInput = { task: key, rows: rows.slice(from, to), concurrency: perShard, flowParameters, chain: parent.firstExecutionRunId };
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
