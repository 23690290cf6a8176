/**
 * `GET /api/flow-runs/:id/stream`: a flow run's stream as Server-Sent Events, live. Each item is an
 * event whose id is its place (`<attempt>:<seq>`), so a reader that lost its connection sends that
 * id back in `Last-Event-ID` and goes on after it; `event: end` says the flow's body has ended.
 */
import { EventEmitter } from 'node:events';
import { z } from 'zod';
import type { BatonClient } from '../../client/client';
import { flowRunNotFound } from '../../client/temporal-values';
import { ValidationError } from '../../core/errors';
import { TOPIC_PATTERN } from '../../core/stream';
import { errorResponse } from '../errors';
import { defineRoute } from '../route';
import { eventId, parseEventId, sseEvent, SSE_KEEP_ALIVE, writeSse as write } from '../sse';
import { IdParam } from './params';

const TOPIC_RULE = 'each topic is 1-100 letters, digits or . _ - : @';

export const StreamQuery = z
  .object({
    topics: z
      .string()
      // Short enough that any query string stays within Node's 16 KB request head (else a 431).
      .max(1_000)
      .transform((text) => text.split(','))
      .pipe(z.array(z.string().regex(TOPIC_PATTERN, TOPIC_RULE)).max(100))
      .optional()
      .describe(`Only items of these topics, comma-separated (markers always come); ${TOPIC_RULE}`),
    from: z
      .string()
      .regex(/^\d{1,15}$/, 'a seq: a whole number ≥ 0')
      .transform(Number)
      .optional()
      .describe('The first seq wanted (0, the default: from the beginning); a Last-Event-ID header wins over it'),
  })
  .strict();

/** The answer's body as the document shows it: events, not JSON. */
const EventStream = z
  .string()
  .describe(
    'Server-Sent Events. Each item of the stream is an event: `id: <attempt>:<seq>`, `event: item | discard | subflow | retry`, ' +
      '`data:` the item as JSON ({ seq, attempt, kind, topic, value?, task?, at }). `event: end` (data {}) comes once the flow body has ended; ' +
      '`event: error` (data: an Error body) if reading fails after the answer started. Comments (`: keep-alive`) come every 15 s. ' +
      'Send the last id read as Last-Event-ID to go on after it.',
  );

/** Open SSE readers in this process, per flow run: `close` is emitted with the run's id when one ends. */
export class OpenStreams extends EventEmitter<{ close: [flowRunId: string] }> {
  private readonly open = new Map<string, number>();
  count(flowRunId: string): number {
    return this.open.get(flowRunId) ?? 0;
  }
  /** Flow runs with at least one open reader. */
  get runs(): number {
    return this.open.size;
  }
  opened(flowRunId: string): void {
    this.open.set(flowRunId, this.count(flowRunId) + 1);
  }
  closed(flowRunId: string): void {
    const n = this.count(flowRunId) - 1;
    if (n > 0) this.open.set(flowRunId, n);
    else this.open.delete(flowRunId);
    this.emit('close', flowRunId);
  }
}

/** Every SSE reader of this process's API apps. */
export const openStreams = new OpenStreams();

export interface StreamRouteOptions {
  /** How often a comment keeps an idle connection open through proxies, in ms. @default 15_000 */
  heartbeatMs?: number;
}

export function flowRunStreamRoutes(client: BatonClient, options: StreamRouteOptions = {}) {
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  return [
    defineRoute({
      method: 'get',
      path: '/api/flow-runs/:id/stream',
      summary: "A flow run's stream, live, as Server-Sent Events: what the run emits, yields and its tasks stream; resumable with Last-Event-ID",
      tag: 'flow runs',
      access: 'read',
      params: IdParam,
      query: StreamQuery,
      produces: 'text/event-stream',
      response: EventStream,
      errors: [404, 503],
      handler: async ({ params, query, http }) => {
        const { req, res, around } = http!;
        const header = req.get('last-event-id');
        const after = header === undefined ? undefined : parseEventId(header);
        if (header !== undefined && !after) {
          throw new ValidationError('header', [
            { path: 'Last-Event-ID', message: `must be an event id of this stream, <attempt>:<seq> (got ${JSON.stringify(header.slice(0, 50))})` },
          ]);
        }
        // Before any event, with the request's deadline: an unknown run is a 404, Temporal out of reach a 503.
        await around(() =>
          client.temporal.workflow
            .getHandle(params.id)
            .describe()
            .catch((err: unknown) => Promise.reject(flowRunNotFound(err, params.id))),
        );

        const reading = new AbortController();
        // The caller went away (or the answer ended): stop asking the run.
        res.on('close', () => reading.abort());
        res.status(200).set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' });
        res.flushHeaders();
        const heartbeat = setInterval(() => res.write(SSE_KEEP_ALIVE), heartbeatMs);
        openStreams.opened(params.id);
        try {
          // No request deadline here: the reader gives each of its queries its own.
          const items = client.flowRuns.stream(params.id, { from: after ?? query.from, topics: query.topics, signal: reading.signal });
          for await (const item of items) {
            await write(res, sseEvent({ id: eventId(item), event: item.kind, data: JSON.stringify(item) }));
            if (reading.signal.aborted) break;
          }
          if (!reading.signal.aborted) await write(res, sseEvent({ event: 'end', data: '{}' }));
        } catch (err) {
          // The status line has gone out: the failure is told as an event, and the reader may resume.
          if (!reading.signal.aborted) await write(res, sseEvent({ event: 'error', data: JSON.stringify(errorResponse(err).body) }));
        } finally {
          clearInterval(heartbeat);
          res.end();
          openStreams.closed(params.id);
        }
      },
    }),
  ];
}
