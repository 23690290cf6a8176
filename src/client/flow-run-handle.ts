/** A handle on one flow run: wait for its result, read its state now, or follow its stream. */
import type { FlowRun } from '../core/schemas';
import type { StreamItem } from '../core/stream';
import type { ReadStreamOptions } from './flow-run-stream';
import type { FlowRuns } from './flow-runs';

/** A started flow run. */
export class FlowRunHandle<R = unknown> {
  constructor(
    private readonly runs: Pick<FlowRuns, 'result' | 'get' | 'stream'>,
    readonly id: string,
    readonly flowName: string,
    readonly runName: string | undefined,
  ) {}

  /** Waits for the run to end; returns its result or throws FlowRunFailedError. */
  result(): Promise<R> {
    return this.runs.result<R>(this.id);
  }

  /** The run's state and task runs, now. */
  describe(): Promise<FlowRun> {
    return this.runs.get(this.id);
  }

  /** The run's stream, live, from the start or from a place (see FlowRuns.stream). */
  stream(options?: ReadStreamOptions): AsyncIterable<StreamItem> {
    return this.runs.stream(this.id, options);
  }
}
