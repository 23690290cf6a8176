/**
 * A flow run's stream: what the run publishes while it goes on (`emit()`, a generator flow's
 * `yield`, a task's `getRunContext().stream()`), kept in the run itself, numbered from 0. Pure:
 * used in flows and in Node.
 *
 * Where it lives: the flow keeps the items in its own state. Items a flow emits cost no history
 * event (replay makes them again); chunks a task streams reach the flow as signals, batched, so a
 * task streaming 10,000 tokens writes a few dozen events, not 10,000. Readers ask with a query,
 * which writes nothing to the history.
 */

/** Query: `{ from, limit, topics }` → a StreamPage. */
export const STREAM_QUERY = 'baton.stream';
/** Signal: a batch of chunks from a task attempt. */
export const STREAM_SIGNAL = 'baton.stream.chunks';
/** The topic of `emit(value)` and of a generator flow's `yield`. */
export const DEFAULT_TOPIC = 'default';
/** Topic names: what run names and flow names allow. */
export const TOPIC_PATTERN = /^[\w.:@-]{1,100}$/;
/** The most items one query answers. */
export const STREAM_PAGE_MAX = 1_000;

/** Who streamed an item from a task: the task run and its attempt. */
export interface StreamSource {
  taskRunId: string;
  taskName: string;
  attempt: number;
}

/**
 * One item of a run's stream. `kind` says what it is:
 * - `item`: a value published on `topic` (by the flow, or by a task when `task` is set);
 * - `discard`: the items of `task.taskRunId`'s attempt `task.attempt` were partial output of an
 *   attempt that failed or was lost; the task ran again. A reader showing live output drops them;
 * - `subflow`: the flow started a subflow whose own stream is `value.flowRunId`'s;
 * - `retry`: the first item of a flow run's retry (`attempt` > 1): the run started over, and its
 *   stream with it; items of earlier attempts are replaced by what follows.
 *
 * Items are numbered from 0 in each attempt of the flow run: (`attempt`, `seq`) is an item's place.
 */
export interface StreamItem {
  seq: number;
  /** The flow run's attempt (1, or more once the flow's `retries` start it over). */
  attempt: number;
  kind: 'item' | 'discard' | 'subflow' | 'retry';
  topic: string;
  value?: unknown;
  /** Set on items streamed by a task, and on `discard`. */
  task?: StreamSource;
  /** When the flow took the item in (its workflow time), ISO 8601. */
  at: string;
}

export interface StreamRequest {
  /** The first `seq` wanted (0: from the start). */
  from?: number;
  /** At most this many items (≤ STREAM_PAGE_MAX). */
  limit?: number;
  /** Only these topics (markers are always included). */
  topics?: string[];
}

export interface StreamPage {
  /** The flow run's attempt these items belong to. */
  attempt: number;
  items: StreamItem[];
  /** The `seq` to ask `from` next time. */
  next: number;
  /** True once the flow's body has ended: nothing is added after `next`. */
  done: boolean;
}

/** A batch of chunks a task attempt sends to its flow run. */
export interface StreamBatch {
  task: StreamSource;
  /** 1, 2, ... per attempt: a batch sent twice (a retried signal call) is taken once. */
  batch: number;
  /** Each chunk with its topic. */
  chunks: { topic: string; value: unknown }[];
}

/** `emit(value)` or `emit(topic, value)`: the topic and value, checked. */
export function topicAndValue(args: unknown[], what: string): { topic: string; value: unknown } {
  if (args.length === 0 || args.length > 2) throw new TypeError(`${what} takes (value) or (topic, value)`);
  const [topic, value] = args.length === 2 ? [args[0], args[1]] : [DEFAULT_TOPIC, args[0]];
  if (typeof topic !== 'string' || !TOPIC_PATTERN.test(topic)) {
    throw new TypeError(`${what}: the topic must be 1-100 letters, digits or . _ - : @ (got ${JSON.stringify(topic)})`);
  }
  if (value === undefined) throw new TypeError(`${what}: the value is undefined; publish null or a JSON value`);
  return { topic, value };
}
