/**
 * The run context a task sees: who it is (flow run, task run, attempt), a logger that stamps
 * every line with those ids, an abort signal, and a heartbeat. Prefect's `get_run_context()`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { BatonError } from '../core/errors';
import type { TaskArtifacts } from './task-artifacts';

export interface RunContext {
  /** The flow run (Temporal workflow id) the task belongs to. */
  flowRunId: string;
  /** The flow's name (workflow type). */
  flowName: string;
  /** `<flowRunId>:<activityId>`, unique within the flow run. */
  taskRunId: string;
  taskName: string;
  /** 1 for the first try; counts every attempt, including ones a crashed worker lost. */
  attempt: number;
  /** Failed attempts so far (what `retries` is counted against; crashes do not count). */
  failures: number;
  /** Logs with flowRunId, taskRunId, taskName and attempt on every line. */
  logger: Logger;
  /** Aborted when the task is cancelled or its attempt times out. */
  signal: AbortSignal;
  /** Reports progress; heartbeats are also sent for you while the task runs. */
  heartbeat(details?: unknown): void;
  /**
   * Publishes to the flow run's stream while the task runs (LLM tokens, progress): `stream(value)`
   * on the default topic, or `stream(topic, value)`. Values must be JSON. Chunks are sent in
   * batches (at most 50 ms after they are streamed); the promise resolves at once unless several
   * batches are still being sent, so awaiting it slows a producer Temporal cannot keep up with.
   * If this attempt fails and the task runs again, readers are told to drop what it streamed.
   */
  stream(value: unknown): Promise<void>;
  stream(topic: string, value: unknown): Promise<void>;
}

/** What the task runner keeps beside the public context. */
export type InternalRunContext = RunContext & {
  logPrints: boolean;
  artifacts?: TaskArtifacts;
  /** The worker's Temporal client (opened on first use), for limits and variables. */
  temporal?: () => Promise<Client>;
  taskQueue?: string;
};

const storage = new AsyncLocalStorage<InternalRunContext>();

/** Runs `fn` with `context` as the current run context. */
export function runWithContext<T>(context: InternalRunContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** The current task's run context, or undefined outside a task. */
export function currentRunContext(): InternalRunContext | undefined {
  return storage.getStore();
}

/** The current task's run context; throws when called outside a task. */
export function getRunContext(): RunContext {
  const context = storage.getStore();
  if (!context) throw new BatonError('getRunContext() was called outside a task run');
  return context;
}
