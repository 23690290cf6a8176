/**
 * A flow run's state, derived from Temporal's data in one place: the execution status, Baton's
 * `BatonState` search attribute (which a run keeps current, see RUN_STATE) and the execution
 * time. Single reads (`GET /api/flow-runs/:id`) and lists (`?state=`) both use `flowRunState`,
 * and `stateClause` is its exact counterpart as a visibility query, so a list filtered by a state
 * returns exactly the runs that read that state.
 */
import { temporal } from '@temporalio/proto';
import { RUN_STATE } from '../core/search-attributes';
import type { State } from '../core/states';
import { quote } from './visibility';

const Status = temporal.api.enums.v1.WorkflowExecutionStatus;
type Status = temporal.api.enums.v1.WorkflowExecutionStatus;

/** What Temporal says of a run, as describe and visibility both give it. */
export interface RunStateInput {
  status: Status | null | undefined;
  /** The run's BatonState search attribute. */
  batonState: string | null | undefined;
  /** When the run's first workflow task is due: its start time plus any start delay or retry backoff. */
  executionTime: Date | undefined;
  /** The moment the state is read at. */
  now: Date;
}

/**
 * States a running flow publishes for itself; `TimedOut` while its failure hooks run after its own
 * timeout (the run is still open).
 */
const PUBLISHED: ReadonlySet<string> = new Set(['Running', 'Retrying', 'Paused', 'AwaitingApproval', 'Cancelling', 'TimedOut']);

/** A flow run's state. */
export function flowRunState({ status, batonState, executionTime, now }: RunStateInput): State {
  switch (status) {
    case Status.WORKFLOW_EXECUTION_STATUS_COMPLETED:
      return 'Completed';
    case Status.WORKFLOW_EXECUTION_STATUS_FAILED:
      // A run that ends on its own timeout (flow timeout, unanswered pause or approval) says so;
      // an attempt that failed with a retry to come is superseded by that retry (see `latestAttempts`).
      if (batonState === 'TimedOut' || batonState === 'Retrying') return batonState;
      return 'Failed';
    case Status.WORKFLOW_EXECUTION_STATUS_TIMED_OUT:
      return 'TimedOut';
    case Status.WORKFLOW_EXECUTION_STATUS_CANCELED:
      return 'Cancelled';
    case Status.WORKFLOW_EXECUTION_STATUS_TERMINATED:
      return 'Crashed';
    default:
      break;
  }
  if (batonState && PUBLISHED.has(batonState)) return batonState as State;
  // Not picked up by a worker yet. Due later: a start delay (the starter said Scheduled), or a
  // flow retry waiting out its delay (the retry starts over from the starter's Pending).
  if (executionTime && executionTime.getTime() > now.getTime()) return batonState === 'Scheduled' ? 'Scheduled' : 'Retrying';
  return 'Pending';
}

/** The visibility query clause that selects exactly the runs `flowRunState` reads as `state` at `now`. */
export function stateClause(state: State, now: Date): string {
  const sa = RUN_STATE.name;
  const open = `ExecutionStatus = 'Running'`;
  const notPickedUp = `(${sa} IS NULL OR ${sa} = 'Pending' OR ${sa} = 'Scheduled')`;
  const at = quote(now.toISOString());
  switch (state) {
    case 'Scheduled':
      return `(${open} AND ${sa} = 'Scheduled' AND ExecutionTime > ${at})`;
    case 'Pending':
      return `(${open} AND ${notPickedUp} AND ExecutionTime <= ${at})`;
    case 'Retrying':
      return `(${open} AND (${sa} = 'Retrying' OR ((${sa} IS NULL OR ${sa} = 'Pending') AND ExecutionTime > ${at})))`;
    case 'Running':
    case 'Paused':
    case 'AwaitingApproval':
    case 'Cancelling':
      return `(${open} AND ${sa} = ${quote(state)})`;
    case 'Completed':
      return `ExecutionStatus = 'Completed'`;
    case 'Cached':
      // A flow run is never Cached (task runs are): nothing matches.
      return `(ExecutionStatus = 'Completed' AND ${sa} = 'Cached')`;
    case 'Failed':
      return `(ExecutionStatus = 'Failed' AND (${sa} IS NULL OR (${sa} != 'TimedOut' AND ${sa} != 'Retrying')))`;
    case 'TimedOut':
      return `(ExecutionStatus = 'TimedOut' OR (ExecutionStatus = 'Failed' AND ${sa} = 'TimedOut') OR (${open} AND ${sa} = 'TimedOut'))`;
    case 'Cancelled':
      return `ExecutionStatus = 'Canceled'`;
    case 'Crashed':
      return `ExecutionStatus = 'Terminated'`;
  }
}

/**
 * Leaves out the attempts a flow retry superseded: Temporal keeps a closed (Failed) record for
 * every attempt of a retried run, under the same id as the attempt that replaced it, and the run
 * marks such an attempt `Retrying` before it fails.
 */
export function latestAttempts(): string {
  const sa = RUN_STATE.name;
  return `(ExecutionStatus != 'Failed' OR ${sa} IS NULL OR ${sa} != 'Retrying')`;
}
