/**
 * The run's stream, flow side: `emit()` publishes, the stream query reads, and the stream signal
 * takes in what tasks stream. See core/stream.ts for where items live and what they cost.
 * Sandbox-safe.
 */
import { defineQuery, defineSignal, inWorkflowContext, setHandler, workflowInfo } from '@temporalio/workflow';
import { BatonError } from '../core/errors';
import {
  DEFAULT_TOPIC,
  STREAM_PAGE_MAX,
  STREAM_QUERY,
  STREAM_SIGNAL,
  topicAndValue,
  type StreamBatch,
  type StreamItem,
  type StreamPage,
  type StreamRequest,
  type StreamSource,
} from '../core/stream';
import { runState } from './run-state';

interface TaskRunStream {
  /** The latest attempt heard from; batches of older attempts are dropped. */
  attempt: number;
  /** The last batch taken from that attempt. */
  batch: number;
  /** Attempts whose items are in the stream and not yet marked discarded. */
  attemptsWithItems: Set<number>;
}

interface StreamState {
  items: StreamItem[];
  done: boolean;
  tasks: Map<string, TaskRunStream>;
}

const STREAM = Symbol.for('baton.run.stream');
const current = () => runState<StreamState>(STREAM, () => ({ items: [], done: false, tasks: new Map() }));

const streamQuery = defineQuery<StreamPage, [StreamRequest?]>(STREAM_QUERY);
const streamSignal = defineSignal<[StreamBatch]>(STREAM_SIGNAL);

function append(item: Omit<StreamItem, 'seq' | 'at' | 'attempt'>): void {
  const s = current();
  // Workflow time: the same on replay.
  s.items.push({ seq: s.items.length, attempt: workflowInfo().attempt, at: new Date().toISOString(), ...item });
}

/** A whole number within [min, max], or the fallback when the asker sent something else. */
function bounded(value: unknown, min: number, max: number, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) ? Math.min(max, Math.max(min, value)) : fallback;
}

/** Installs the stream's query and signal handlers (once per run, before the flow's body). */
export function installStreamHandlers(): void {
  const s = current();
  const { attempt } = workflowInfo();
  if (attempt > 1) append({ kind: 'retry', topic: 'baton.retry', value: { attempt } });
  setHandler(streamQuery, (request?: StreamRequest) => {
    const from = bounded(request?.from, 0, Number.MAX_SAFE_INTEGER, 0);
    const limit = bounded(request?.limit, 1, STREAM_PAGE_MAX, STREAM_PAGE_MAX);
    const topics = Array.isArray(request?.topics) && request.topics.length ? new Set(request.topics) : undefined;
    const items: StreamItem[] = [];
    let next = Math.min(from, s.items.length);
    for (; next < s.items.length && items.length < limit; next++) {
      const item = s.items[next]!;
      if (!topics || item.kind !== 'item' || topics.has(item.topic)) items.push(item);
    }
    return { attempt, items, next, done: s.done && next >= s.items.length };
  });
  setHandler(streamSignal, (batch: StreamBatch) => takeBatch(batch));
}

function takeBatch(batch: StreamBatch): void {
  const source = batch?.task;
  if (!source || typeof source.taskRunId !== 'string' || !Number.isInteger(source.attempt) || !Number.isInteger(batch.batch)) return;
  const s = current();
  let task = s.tasks.get(source.taskRunId);
  if (!task) {
    task = { attempt: source.attempt, batch: 0, attemptsWithItems: new Set() };
    s.tasks.set(source.taskRunId, task);
  }
  // A late batch from an attempt that was already replaced: its output is not the task's.
  if (source.attempt < task.attempt) return;
  if (source.attempt > task.attempt) {
    // A new attempt: whatever earlier attempts streamed was partial output.
    for (const attempt of [...task.attemptsWithItems].sort((a, b) => a - b)) {
      append({ kind: 'discard', topic: 'baton.discard', task: { ...sourceOf(source), attempt } });
    }
    task.attemptsWithItems.clear();
    task.attempt = source.attempt;
    task.batch = 0;
  }
  // The same batch again (a signal call retried after it had arrived): taken once.
  if (batch.batch <= task.batch) return;
  task.batch = batch.batch;
  const chunks = Array.isArray(batch.chunks) ? batch.chunks : [];
  for (const chunk of chunks) append({ kind: 'item', topic: chunk.topic, value: chunk.value, task: sourceOf(source) });
  if (chunks.length) task.attemptsWithItems.add(source.attempt);
}

const sourceOf = (source: StreamSource): StreamSource => ({ taskRunId: source.taskRunId, taskName: source.taskName, attempt: source.attempt });

/** Marks the stream finished: the flow's body has ended. */
export function endStream(): void {
  current().done = true;
}

/** Tells readers that a subflow started, and where its own stream is. */
export function announceSubflow(flowRunId: string, flowName: string): void {
  append({ kind: 'subflow', topic: 'baton.subflow', value: { flowRunId, flowName } });
}

/**
 * Publishes a value to the run's stream while the flow goes on: `emit(value)` on the default
 * topic, or `emit(topic, value)`. Readers get it at once (`run.stream()`, the API's SSE stream,
 * `baton flow-run watch`). Values must be JSON. Costs no history event: replay publishes it again.
 *
 * @example
 * emit('progress', { done: 3, of: 10 });
 */
export function emit(value: unknown): void;
export function emit(topic: string, value: unknown): void;
export function emit(...args: unknown[]): void {
  if (!inWorkflowContext()) {
    throw new BatonError('emit() publishes from a flow; in a task, use getRunContext().stream(value)');
  }
  const { topic, value } = topicAndValue(args, 'emit()');
  append({ kind: 'item', topic, value });
}

/** Runs a generator flow's body: each `yield` is published; the result is the return value, or the list of yielded values. */
export async function drainGenerator(generator: AsyncIterator<unknown, unknown>): Promise<unknown> {
  const yielded: unknown[] = [];
  for (;;) {
    const step = await generator.next();
    if (step.done) return step.value === undefined ? yielded : step.value;
    // A generator may yield undefined: it is published as null, the value JSON gives it.
    const value = step.value === undefined ? null : step.value;
    append({ kind: 'item', topic: DEFAULT_TOPIC, value });
    yielded.push(value);
  }
}

/** Whether a flow function's return value is an async generator (an `async function*` body). */
export function isAsyncIterator(value: unknown): value is AsyncIterator<unknown, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { next?: unknown }).next === 'function' &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function'
  );
}
