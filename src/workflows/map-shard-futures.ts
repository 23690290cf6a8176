/**
 * The futures of a sharded map, as flow code sees them: the same `FutureList` as a small map,
 * results in input order, one state and error per item, made from the shards' outcomes.
 * Sandbox-safe.
 */
import { rebuildBatonError, TaskFailedError } from '../core/errors';
import type { ItemOutcome } from '../core/map-shard';
import type { State } from '../core/states';
import { FutureList, RunFuture, stateOfError, type RunOutcome } from './future';

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

/** How a whole shard ended: its items' outcomes, or the error the shard workflow failed with. */
type ShardEnd = { outcomes: ItemOutcome[] } | { error: unknown };

/**
 * The futures of a sharded map. Per-item futures are made only when someone asks for them; a
 * future made after its shard ended is final at once, so `await list.wait()` followed by
 * `list.futures` sees every state, as with a small map.
 */
export class ShardedFutureList<R> extends FutureList<R> {
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
        : this.shards[k]!.then((outcomes) => {
            const outcome = outcomes[offset]!;
            if (outcome.ok) return outcome.value as R;
            throw errorOfOutcome(outcome);
          });
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
