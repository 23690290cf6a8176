/**
 * The journal the Temporal fault test's tasks append to (test/fixtures/temporal-fault), read back
 * per task run, and what a flow run's history says about the same task runs, so the test can hold
 * one against the other.
 */
import fs from 'node:fs';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { dateOf, decodePayload } from '../src/client/temporal-values';
import type { JournalLine } from './fixtures/temporal-fault/tasks';

/** `<flowRunId>#<step>`: one task run of one flow run. */
export function taskKey(flowRunId: string, step: number): string {
  return `${flowRunId}#${step}`;
}

export function readJournal(file: string): JournalLine[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as JournalLine);
}

/** Every attempt of one task run the journal saw start, and every one it saw finish. */
export interface JournaledTask {
  flowRunId: string;
  step: number;
  starts: JournalLine[];
  dones: JournalLine[];
}

export function tasksOf(lines: readonly JournalLine[]): Map<string, JournaledTask> {
  const tasks = new Map<string, JournaledTask>();
  for (const line of lines) {
    const key = taskKey(line.flowRunId, line.step);
    let task = tasks.get(key);
    if (!task) tasks.set(key, (task = { flowRunId: line.flowRunId, step: line.step, starts: [], dones: [] }));
    (line.event === 'start' ? task.starts : task.dones).push(line);
  }
  return tasks;
}

/** One task run (activity) as its flow run's history tells it. */
export interface RecordedTask {
  step: number;
  /** ActivityTaskScheduled events for this step: a retry reuses the event, so 1 unless the flow scheduled the step twice. */
  scheduled: number;
  /** The attempt that started last (Temporal records only the last attempt's start). */
  lastAttempt?: number;
  /** When the server recorded the completion. */
  completedAt?: Date;
}

/**
 * The task runs of a flow run, keyed by step, read from its history. The step is the argument at
 * `stepArgument` of the activity's input (the journaled task's second argument).
 */
export async function recordedTasks(client: Client, flowRunId: string, stepArgument = 1): Promise<Map<number, RecordedTask>> {
  const events = (await client.workflow.getHandle(flowRunId).fetchHistory()).events ?? [];
  const byScheduledEvent = new Map<string, RecordedTask>();
  const byStep = new Map<number, RecordedTask>();
  for (const e of events) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED && scheduled) {
      const step = decodePayload(scheduled.input?.payloads?.[stepArgument]) as number;
      const task = byStep.get(step) ?? { step, scheduled: 0 };
      task.scheduled += 1;
      byStep.set(step, task);
      byScheduledEvent.set(String(e.eventId), task);
    }
    const started = e.activityTaskStartedEventAttributes;
    if (started) {
      const task = byScheduledEvent.get(String(started.scheduledEventId));
      if (task) task.lastAttempt = started.attempt ?? undefined;
    }
    const completed = e.activityTaskCompletedEventAttributes;
    if (completed) {
      const task = byScheduledEvent.get(String(completed.scheduledEventId));
      if (task) task.completedAt = dateOf(e.eventTime);
    }
  }
  return byStep;
}
