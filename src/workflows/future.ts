/**
 * Futures over task and subflow runs started with `.submit()` or `.map()`, as in Prefect:
 * `result()`, `wait()`, `state`, plus `waitAll()` and `asCompleted()`. Sandbox-safe: completion
 * order comes from Temporal's event order, so it is the same on every replay.
 */
import { ChildWorkflowFailure, isCancellation, sleep, TimeoutFailure } from '@temporalio/workflow';
import { TaskTimeoutError } from '../core/errors';
import type { State } from '../core/states';

/** How a run ended: its value, or the error it failed with. */
export type RunOutcome<R> = { value: R } | { error: unknown; state?: State };

/** A run started in the background; `result()` gives its result or throws its error. */
export class RunFuture<R> {
  private current: State = 'Pending';
  private value: R | undefined;
  private error: unknown;
  private readonly settled: Promise<void>;

  constructor(
    /** The task or flow name. */
    readonly name: string,
    /** The run's name (task run name or subflow run name), when it has one. */
    readonly runName: string | undefined,
    /** The run in flight, or how it already ended (then the state is final from the start). */
    run: Promise<R> | RunOutcome<R>,
  ) {
    if ('then' in run) {
      this.settled = run.then(
        (value) => this.end({ value }),
        (error: unknown) => this.end({ error }),
      );
    } else {
      this.end(run);
      this.settled = Promise.resolve();
    }
  }

  private end(outcome: RunOutcome<R>): void {
    if ('error' in outcome) {
      this.error = outcome.error;
      this.current = outcome.state ?? stateOfError(outcome.error);
    } else {
      this.value = outcome.value;
      this.current = 'Completed';
    }
  }

  /** Pending until the run ends, then Completed, Failed, TimedOut or Cancelled. */
  get state(): State {
    return this.current;
  }

  get done(): boolean {
    return this.current !== 'Pending';
  }

  /** Waits for the run to end without throwing; returns its final state. */
  wait(): Promise<State> {
    return this.settled.then(() => this.current);
  }

  /** The run's result; throws the run's error when it failed. */
  result(): Promise<R> {
    return this.settled.then(() => this.outcome());
  }

  /** Resolves when the run has ended (never rejects). */
  get ended(): Promise<void> {
    return this.settled;
  }

  /** The result of a run that has ended; throws its error when it failed. */
  outcome(): R {
    if (this.current === 'Pending') throw new Error(`run of ${this.name} has not ended yet`);
    if (this.current !== 'Completed') throw this.error;
    return this.value as R;
  }

  /** The error the run failed with, once it has ended (undefined on success). */
  get exception(): unknown {
    return this.error;
  }
}

/** The state a run ends in when it failed with `error`. */
export function stateOfError(error: unknown): State {
  if (error instanceof TaskTimeoutError) return 'TimedOut';
  if (isCancellation(error)) return 'Cancelled';
  if (error instanceof ChildWorkflowFailure && error.cause instanceof TimeoutFailure) return 'TimedOut';
  return 'Failed';
}

/** The futures of a `.map()`: awaiting it gives every result in input order. */
export class FutureList<R> implements PromiseLike<R[]>, Iterable<RunFuture<R>> {
  constructor(private readonly list: RunFuture<R>[]) {}

  /** One future per item, in input order. */
  get futures(): RunFuture<R>[] {
    return this.list;
  }

  get length(): number {
    return this.futures.length;
  }

  [Symbol.iterator](): Iterator<RunFuture<R>> {
    return this.futures[Symbol.iterator]();
  }

  /** Every result in input order; throws the first failure in input order. */
  result(): Promise<R[]> {
    const list = this.futures;
    return Promise.all(list.map((f) => f.ended)).then(() => list.map((f) => f.outcome()));
  }

  /** Waits for every run to end; returns their states in input order. */
  wait(): Promise<State[]> {
    const list = this.futures;
    return Promise.all(list.map((f) => f.ended)).then(() => list.map((f) => f.state));
  }

  then<A = R[], B = never>(onfulfilled?: ((value: R[]) => A | PromiseLike<A>) | null, onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return this.result().then(onfulfilled, onrejected);
  }
}

/**
 * Waits for futures to end (Prefect's `wait`). With `timeoutSeconds`, returns when the time is
 * up with the ones still running in `notDone`.
 */
export async function waitAll<R>(
  futures: Iterable<RunFuture<R>>,
  options: { timeoutSeconds?: number } = {},
): Promise<{ done: RunFuture<R>[]; notDone: RunFuture<R>[] }> {
  const list = [...futures];
  const all = Promise.all(list.map((f) => f.wait()));
  if (options.timeoutSeconds === undefined) await all;
  else await Promise.race([all, sleep(options.timeoutSeconds * 1000)]);
  return { done: list.filter((f) => f.done), notDone: list.filter((f) => !f.done) };
}

/** Yields futures as they end, in completion order (Prefect's `as_completed`). */
export async function* asCompleted<R>(futures: Iterable<RunFuture<R>>): AsyncGenerator<RunFuture<R>> {
  const pending = [...futures];
  const finished: RunFuture<R>[] = [];
  let wake: (() => void) | undefined;
  for (const f of pending) {
    void f.wait().then(() => {
      finished.push(f);
      wake?.();
    });
  }
  for (let yielded = 0; yielded < pending.length; yielded++) {
    if (finished.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
    yield finished.shift()!;
  }
}
