/**
 * A flow run's task runs, read from its Temporal history and pending activities, in Baton's one
 * state vocabulary. Nothing is stored elsewhere: this is derived on every read. Local tasks (local
 * activities) are read from the markers that record their outcomes, so they appear once ended.
 */
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { isCachedResult } from '../core/cache-policy';
import type { TaskRun } from '../core/schemas';
import { isLocalStreamedResult } from '../core/task-options';
import { isFinal } from '../core/states';
import { CRASH_WATCH_WORKFLOW } from '../core/hooks';

export type { TaskRun };
import { decodePayload, isoTime } from './temporal-values';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type Failure = temporal.api.failure.v1.IFailure;
const EventType = temporal.api.enums.v1.EventType;
const PendingState = temporal.api.enums.v1.PendingActivityState;

const time = (ts: Parameters<typeof isoTime>[0]) => isoTime(ts) ?? undefined;

/** The innermost useful error in a failure chain. */
export function failureSummary(failure: Failure | null | undefined): { type?: string; message: string } | undefined {
  if (!failure) return undefined;
  let f: Failure = failure;
  // Skip Temporal's wrappers ("Activity task failed") to reach what the task threw.
  while ((f.activityFailureInfo || f.childWorkflowExecutionFailureInfo) && f.cause) f = f.cause;
  const type = f.applicationFailureInfo?.type ?? (f.timeoutFailureInfo ? 'Timeout' : f.canceledFailureInfo ? 'Cancelled' : undefined);
  return { type: type ?? undefined, message: f.message ?? '' };
}

function isTimeoutFailure(failure: Failure | null | undefined): boolean {
  const s = failureSummary(failure);
  return s?.type === 'TaskTimeoutError' || s?.type === 'Timeout';
}

type Pending = temporal.api.workflow.v1.IPendingActivityInfo;

/** The marker the SDK records for each local activity's outcome, and what its data holds. */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';
interface LocalActivityData {
  activity_type?: string;
  activity_id?: string;
  attempt?: number;
  /** Set when the attempt failed and the next one waits on a timer. */
  backoff?: unknown;
  original_schedule_time?: { seconds?: number; nanos?: number };
}
/** Baton's own local activities (cache lookups, map shards' earlier outcomes, events) are not task runs. */
const INTERNAL_PREFIX = 'baton.';
const CACHED_MARKER = 'baton.cached';

/**
 * Task and subflow runs of one flow run, in the order they were scheduled. `closed` says the flow
 * run has ended: Temporal still lists its unfinished activities as pending then, but they will
 * never run again, so they read Cancelled.
 */
export function taskRunsFrom(flowRunId: string, events: HistoryEvent[], pending: Pending[], closed = false): TaskRun[] {
  const runs = new Map<string, TaskRun>();
  const bySchedule = new Map<string, TaskRun>();
  const pendingById = new Map(closed ? [] : pending.map((p) => [p.activityId ?? '', p]));
  // A local task retried after a delay longer than the SDK waits in memory is recorded once per
  // attempt (each with a backoff), all with the same first schedule time: they are one task run.
  const localRuns = new Map<string, TaskRun>();
  const localTaskRun = (e: HistoryEvent, data: LocalActivityData, type: string): void => {
    const a = e.markerRecordedEventAttributes!;
    const key = `${type}\0${JSON.stringify(data.original_schedule_time ?? data.activity_id)}`;
    let run = localRuns.get(key);
    if (!run) {
      const summary = decodePayload(e.userMetadata?.summary as Payload | undefined);
      run = {
        id: `${flowRunId}:${data.activity_id ?? String(e.eventId)}`,
        kind: 'task',
        name: type,
        runName: typeof summary === 'string' ? summary : undefined,
        state: 'Running',
        attempts: 0,
        startTime: time(data.original_schedule_time as Parameters<typeof isoTime>[0]) ?? time(e.eventTime),
      };
      runs.set(run.id, run);
      localRuns.set(key, run);
    }
    run.attempts = data.attempt ?? 1;
    if (a.failure) {
      run.error = failureSummary(a.failure);
      if (data.backoff) {
        run.state = 'Retrying';
        return;
      }
      run.state = run.error?.type === 'Cancelled' ? 'Cancelled' : isTimeoutFailure(a.failure) ? 'TimedOut' : 'Failed';
    } else {
      const raw = decodePayload(a.details?.result?.payloads?.[0] as Payload | undefined);
      const result = isLocalStreamedResult(raw) ? raw.value : raw;
      run.state = isCachedResult(result) && result.batonCache === 'hit' ? 'Cached' : 'Completed';
      const usage = usageOf(isCachedResult(result) ? result.value : result);
      if (usage) run.usage = usage;
      run.error = undefined;
    }
    run.endTime = time(e.eventTime);
  };
  for (const e of events) {
    const id = String(e.eventId);
    switch (e.eventType) {
      case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: {
        const a = e.activityTaskScheduledEventAttributes!;
        const summary = decodePayload(e.userMetadata?.summary as Payload | undefined);
        const run: TaskRun = {
          id: `${flowRunId}:${a.activityId}`,
          kind: 'task',
          name: a.activityType?.name ?? '',
          runName: typeof summary === 'string' ? summary : undefined,
          state: 'Pending',
          attempts: 0,
        };
        runs.set(run.id, run);
        bySchedule.set(id, run);
        const p = pendingById.get(a.activityId ?? '');
        if (p) {
          run.attempts = p.attempt ?? 1;
          run.startTime = time(p.lastStartedTime);
          run.error = failureSummary(p.lastFailure);
          if (p.state === PendingState.PENDING_ACTIVITY_STATE_CANCEL_REQUESTED) run.state = 'Cancelling';
          else if ((p.attempt ?? 1) > 1) run.state = 'Retrying';
          else if (p.state === PendingState.PENDING_ACTIVITY_STATE_STARTED) run.state = 'Running';
          else run.state = 'Pending';
        }
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED: {
        const a = e.activityTaskStartedEventAttributes!;
        const run = bySchedule.get(String(a.scheduledEventId));
        if (run) {
          run.attempts = a.attempt ?? 1;
          run.startTime ??= time(e.eventTime);
          if (run.state === 'Pending') run.state = 'Running';
        }
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: {
        const a = e.activityTaskCompletedEventAttributes!;
        const run = bySchedule.get(String(a.scheduledEventId));
        if (run) {
          const result = decodePayload(a.result?.payloads?.[0] as Payload | undefined);
          run.state = isCachedResult(result) && result.batonCache === 'hit' ? 'Cached' : 'Completed';
          const usage = usageOf(isCachedResult(result) ? result.value : result);
          if (usage) run.usage = usage;
          run.error = undefined;
          run.endTime = time(e.eventTime);
        }
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED: {
        const a = e.activityTaskFailedEventAttributes!;
        const run = bySchedule.get(String(a.scheduledEventId));
        if (run) {
          run.state = isTimeoutFailure(a.failure) ? 'TimedOut' : 'Failed';
          run.error = failureSummary(a.failure);
          run.endTime = time(e.eventTime);
        }
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT: {
        const a = e.activityTaskTimedOutEventAttributes!;
        const run = bySchedule.get(String(a.scheduledEventId));
        if (run) {
          run.state = 'TimedOut';
          run.error = failureSummary(a.failure);
          run.endTime = time(e.eventTime);
        }
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED: {
        const run = bySchedule.get(String(e.activityTaskCancelRequestedEventAttributes!.scheduledEventId));
        if (run && !isFinal(run.state)) run.state = 'Cancelling';
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED: {
        const run = bySchedule.get(String(e.activityTaskCanceledEventAttributes!.scheduledEventId));
        if (run) {
          run.state = 'Cancelled';
          run.endTime = time(e.eventTime);
        }
        break;
      }
      case EventType.EVENT_TYPE_MARKER_RECORDED: {
        const a = e.markerRecordedEventAttributes!;
        if (a.markerName !== LOCAL_ACTIVITY_MARKER) break;
        const data = decodePayload(a.details?.data?.payloads?.[0] as Payload | undefined) as LocalActivityData | undefined;
        const type = data?.activity_type;
        if (type === CACHED_MARKER) {
          // A cache hit: the flow ran the `baton.cached` local activity instead of the task.
          const result = decodePayload(a.details?.result?.payloads?.[0] as Payload | undefined) as { task?: string; runName?: string } | undefined;
          const run: TaskRun = {
            id: `${flowRunId}:cached-${id}`,
            kind: 'task',
            name: result?.task ?? '',
            runName: result?.runName,
            state: 'Cached',
            attempts: 0,
            startTime: time(e.eventTime),
            endTime: time(e.eventTime),
          };
          runs.set(run.id, run);
        } else if (type && !type.startsWith(INTERNAL_PREFIX)) {
          localTaskRun(e, data!, type);
        }
        break;
      }
      case EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED: {
        const a = e.startChildWorkflowExecutionInitiatedEventAttributes!;
        // An onCrashed watcher outlives the run: it is not one of its task or subflow runs.
        if (a.workflowType?.name === CRASH_WATCH_WORKFLOW) break;
        const summary = decodePayload(e.userMetadata?.summary as Payload | undefined);
        const run: TaskRun = {
          id: a.workflowId ?? id,
          kind: 'subflow',
          name: a.workflowType?.name ?? '',
          runName: typeof summary === 'string' ? summary : undefined,
          state: 'Pending',
          attempts: 1,
        };
        runs.set(run.id, run);
        bySchedule.set(id, run);
        break;
      }
      case EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED: {
        const a = e.childWorkflowExecutionStartedEventAttributes!;
        const run = bySchedule.get(String(a.initiatedEventId));
        if (run) {
          run.state = 'Running';
          run.startTime = time(e.eventTime);
        }
        break;
      }
      case EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED:
      case EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED:
      case EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED:
      case EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT:
      case EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED:
      case EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED: {
        const a =
          e.childWorkflowExecutionCompletedEventAttributes ??
          e.childWorkflowExecutionFailedEventAttributes ??
          e.childWorkflowExecutionCanceledEventAttributes ??
          e.childWorkflowExecutionTimedOutEventAttributes ??
          e.childWorkflowExecutionTerminatedEventAttributes ??
          e.startChildWorkflowExecutionFailedEventAttributes;
        const run = a ? bySchedule.get(String(a.initiatedEventId)) : undefined;
        if (!run) break;
        run.endTime = time(e.eventTime);
        if (e.childWorkflowExecutionCompletedEventAttributes) run.state = 'Completed';
        else if (e.childWorkflowExecutionFailedEventAttributes) {
          run.state = 'Failed';
          run.error = failureSummary(e.childWorkflowExecutionFailedEventAttributes.failure);
        } else if (e.childWorkflowExecutionCanceledEventAttributes) run.state = 'Cancelled';
        else if (e.childWorkflowExecutionTimedOutEventAttributes) run.state = 'TimedOut';
        else if (e.childWorkflowExecutionTerminatedEventAttributes) run.state = 'Crashed';
        else {
          run.state = 'Failed';
          run.error = { message: 'the subflow could not start (a run with its id already exists)' };
        }
        break;
      }
      default:
        break;
    }
  }
  if (closed) {
    for (const run of runs.values()) if (!isFinal(run.state)) run.state = 'Cancelled';
  }
  return [...runs.values()];
}

/** Token usage a task's result reports (the LLM tasks' `usage`), when it has that shape. */
function usageOf(value: unknown): TaskRun['usage'] {
  const usage = (value as { usage?: unknown } | null | undefined)?.usage as Record<string, unknown> | undefined;
  if (!usage || typeof usage !== 'object') return undefined;
  const count = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  if (!('totalTokens' in usage) && !('inputTokens' in usage)) return undefined;
  return { inputTokens: count(usage.inputTokens), outputTokens: count(usage.outputTokens), totalTokens: count(usage.totalTokens) };
}
