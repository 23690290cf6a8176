/**
 * `baton flow-run watch <id>`: a run's stream, printed as items come, read from the API's
 * Server-Sent Events. A connection that drops (the API restarting) is opened again with the last
 * event id, so the API goes on after it: every item is printed once.
 */
import { BatonError, TemporalUnavailableError } from '../core/errors';
import type { StreamItem } from '../core/stream';
import { ApiUnreachableError, type ApiClient } from './api-client';
import { complain, say } from './output';
import { SseParser, type ParsedEvent } from './sse-parser';

export interface WatchStreamOptions {
  topics: string[];
  /** The first seq to print. */
  from?: number;
  /** One JSON object per line instead of lines for people. */
  json: boolean;
  /** How long to keep trying to reconnect before giving up, in ms. @default 60_000 */
  reconnectForMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An item as a line for people. */
export function itemLine(item: StreamItem): string {
  const value = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  switch (item.kind) {
    case 'discard':
      return `[${item.seq}] discarded: attempt ${item.task?.attempt} of task ${item.task?.taskName} (${item.task?.taskRunId}) failed; its output above was replaced by the next attempt's`;
    case 'subflow': {
      const child = item.value as { flowRunId?: string; flowName?: string };
      return `[${item.seq}] subflow ${child.flowName} started: ${child.flowRunId} (baton flow-run watch ${child.flowRunId})`;
    }
    case 'retry':
      return `[${item.seq}] the flow run started over (attempt ${item.attempt}): its output above was replaced`;
    default:
      return `[${item.seq}] ${item.topic}: ${value(item.value)}`;
  }
}

/** Prints the run's stream until it ends; returns the exit code. */
export async function watchStream(api: ApiClient, id: string, options: WatchStreamOptions): Promise<number> {
  const query = new URLSearchParams();
  if (options.topics.length) query.set('topics', options.topics.join(','));
  if (options.from !== undefined) query.set('from', String(options.from));
  const path = `/api/flow-runs/${encodeURIComponent(id)}/stream${query.size ? `?${query}` : ''}`;
  return followEvents(api, path, { what: `the stream of flow run ${id}`, reconnectForMs: options.reconnectForMs }, (event) => {
    const item = JSON.parse(event.data) as StreamItem;
    say(options.json ? JSON.stringify(item) : itemLine(item));
  });
}

/**
 * Reads Server-Sent Events from the API until `end`, handing each other event to `show`; a
 * connection that drops is opened again with the last event id shown, so nothing is shown twice.
 * Returns the exit code.
 */
export async function followEvents(
  api: ApiClient,
  path: string,
  options: { what: string; reconnectForMs?: number },
  show: (event: ParsedEvent) => void,
): Promise<number> {
  const reconnectForMs = options.reconnectForMs ?? 60_000;
  let lastId: string | undefined;
  let connected = false;
  let lostAt: number | undefined;
  let wait = 250;
  for (;;) {
    try {
      const res = await api.openEvents(path, lastId);
      connected = true;
      lostAt = undefined;
      wait = 250;
      const parser = new SseParser();
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        for (const event of parser.push(chunk)) {
          if (event.event === 'end') return 0;
          if (event.event === 'error') {
            const error = (JSON.parse(event.data) as { error?: { message?: string } }).error;
            throw new BatonError(`reading ${options.what} failed: ${error?.message ?? event.data}`);
          }
          show(event);
          // Only after showing it: a reconnection goes on after the last event shown.
          lastId = event.id;
        }
      }
      // The answer ended without `end`: the API went away mid-stream.
    } catch (err) {
      // Before the first answer, or any refusal (404, 401...): the error is the command's.
      const transient = err instanceof ApiUnreachableError || err instanceof TemporalUnavailableError || (err as Error)?.name === 'TypeError';
      if (!connected || !transient) throw err;
    }
    lostAt ??= Date.now();
    if (Date.now() - lostAt > reconnectForMs) throw new ApiUnreachableError(`lost the API at ${api.baseUrl} for ${Math.round(reconnectForMs / 1000)} s; giving up`);
    if (wait === 250) complain(`baton: the connection to the API was lost; reconnecting${lastId ? ` after event ${lastId}` : ''}`);
    await sleep(wait);
    wait = Math.min(wait * 2, 2_000);
  }
}
