/** A handle on one flow run: wait for its result, or read its state now. */
import type { FlowRun } from '../core/schemas';
import type { FlowRuns } from './flow-runs';

/** A started flow run. */
export class FlowRunHandle<R = unknown> {
  constructor(
    private readonly runs: Pick<FlowRuns, 'result' | 'get'>,
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
}
