/**
 * Where a failed flow run is reset to when it is retried from its failure, read from its history.
 * Pure.
 */
import { temporal } from '@temporalio/proto';

type Event = temporal.api.history.v1.IHistoryEvent;
const EventType = temporal.api.enums.v1.EventType;

/**
 * Where a failed run is reset to when retried from its failure: the workflow task that scheduled its first failed task or subflow
 * (so everything that completed before it is kept), else its last completed workflow task.
 */
export function resetPoint(events: Event[]): Long | number | undefined {
  const failedSchedules = new Set<string>();
  for (const e of events) {
    const a = e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes;
    if (a) failedSchedules.add(String(a.scheduledEventId));
    const c = e.childWorkflowExecutionFailedEventAttributes ?? e.childWorkflowExecutionTimedOutEventAttributes ?? e.childWorkflowExecutionTerminatedEventAttributes;
    if (c) failedSchedules.add(String(c.initiatedEventId));
  }
  for (const e of events) {
    if (!failedSchedules.has(String(e.eventId))) continue;
    const point =
      e.activityTaskScheduledEventAttributes?.workflowTaskCompletedEventId ?? e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowTaskCompletedEventId;
    if (point) return point;
  }
  let last: Event | undefined;
  for (const e of events) if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) last = e;
  return last?.eventId ?? undefined;
}
