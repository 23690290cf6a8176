/**
 * Reading a flow run's stream, live and resumable: the run answers a query with the items after a
 * place, and the reader asks again, soon while items keep coming and less often while none do.
 * Reading writes nothing to the run's history, and any number of readers can follow one run.
 */
import { QueryNotRegisteredError, WorkflowNotFoundError } from '@temporalio/client';
import { NotFoundError } from '../core/errors';
import { STREAM_QUERY, type StreamItem, type StreamPage, type StreamRequest } from '../core/stream';
import type { ClientContext } from './client-context';

export interface ReadStreamOptions {
  /**
   * Where to start: a `seq` in the run's current attempt (0, the default, is the beginning), or
   * the place of the last item read (`{ attempt, seq }`), to go on after it.
   */
  from?: number | { attempt: number; seq: number };
  /** Only items of these topics (markers such as `discard` and `subflow` always come). */
  topics?: string[];
  /** Stops reading when aborted. */
  signal?: AbortSignal;
  /** Longest wait between two reads while nothing comes, in ms. @default 500 */
  maxPollMs?: number;
}

/** The first wait after items came; it grows while none do. */
const MIN_POLL_MS = 25;
/** Items asked for at once. */
const PAGE = 1_000;
/** How long one read may wait for the run's worker to answer. */
const QUERY_DEADLINE_MS = 10_000;

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * The run's stream from a place on, as items come, until the flow's body has ended (or `signal`
 * aborts). A run retried by its flow's `retries` starts its stream over: the reader then goes on
 * with the new attempt's items from its first (a `retry` item).
 */
export async function* readFlowRunStream(ctx: ClientContext, flowRunId: string, options: ReadStreamOptions = {}): AsyncGenerator<StreamItem> {
  const handle = ctx.temporal.workflow.getHandle(flowRunId);
  const maxPollMs = options.maxPollMs ?? 500;
  let attempt = typeof options.from === 'object' ? options.from.attempt : undefined;
  let next = typeof options.from === 'object' ? options.from.seq + 1 : (options.from ?? 0);
  let wait = MIN_POLL_MS;
  let checkedAt = Date.now();
  let closing = false;
  while (!options.signal?.aborted) {
    let page: StreamPage;
    try {
      const request: StreamRequest = { from: next, limit: PAGE, ...(options.topics?.length ? { topics: options.topics } : {}) };
      page = await ctx.temporal.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query<StreamPage, [StreamRequest]>(STREAM_QUERY, request));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new NotFoundError(`no flow run with id '${flowRunId}'`);
      // A run of a flow that has no stream (started before streams, or not a Baton flow).
      if (err instanceof QueryNotRegisteredError) return;
      // No worker has picked the run up yet, or one is restarting: ask again, unless the run ended.
      if (await ended(ctx, flowRunId)) return;
      await sleep(Math.max(wait, 200), options.signal);
      wait = Math.min(wait * 2, maxPollMs);
      continue;
    }
    if (attempt !== undefined && page.attempt !== attempt) {
      // The run started over (a flow retry): its stream is new, read from its beginning.
      attempt = page.attempt;
      next = 0;
      continue;
    }
    attempt = page.attempt;
    for (const item of page.items) {
      if (options.signal?.aborted) return;
      yield item;
    }
    next = page.next;
    if (page.done) return;
    if (page.items.length) {
      wait = MIN_POLL_MS;
      continue;
    }
    if (closing) return;
    // Nothing new. A run terminated from outside never marks its stream done: look now and then,
    // and once it has ended, read once more for items that came just before.
    if (Date.now() - checkedAt > 2_000) {
      checkedAt = Date.now();
      if (await ended(ctx, flowRunId)) {
        closing = true;
        continue;
      }
    }
    await sleep(wait, options.signal);
    wait = Math.min(Math.ceil(wait * 1.5), maxPollMs);
  }
}

/**
 * One read of a run's stream: the items after `from` there are now (a page), without waiting.
 * A run of a flow that has no stream reads as an empty, ended stream.
 */
export async function readFlowRunStreamPage(ctx: ClientContext, flowRunId: string, request: StreamRequest): Promise<StreamPage> {
  try {
    return await ctx.temporal.withDeadline(Date.now() + QUERY_DEADLINE_MS, () =>
      ctx.temporal.workflow.getHandle(flowRunId).query<StreamPage, [StreamRequest]>(STREAM_QUERY, request),
    );
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new NotFoundError(`no flow run with id '${flowRunId}'`);
    if (err instanceof QueryNotRegisteredError) return { attempt: 1, items: [], next: request.from ?? 0, done: true };
    throw err;
  }
}

/** Whether the run (its latest attempt) is closed. */
async function ended(ctx: ClientContext, flowRunId: string): Promise<boolean> {
  try {
    const description = await ctx.temporal.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => ctx.temporal.workflow.getHandle(flowRunId).describe());
    return description.status.name !== 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new NotFoundError(`no flow run with id '${flowRunId}'`);
    return false;
  }
}
