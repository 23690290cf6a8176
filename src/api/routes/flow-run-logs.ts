/**
 * A flow run's logs: what its flow code and task code logged, as a page (`GET …/logs`) or
 * followed live as Server-Sent Events (`GET …/logs/stream`), read from the run log store the
 * workers write (BATON_RUN_LOGS).
 */
import { z } from 'zod';
import type { BatonClient } from '../../client/client';
import { flowRunNotFound } from '../../client/temporal-values';
import { ConflictError, RunLogsUnavailableError, ValidationError } from '../../core/errors';
import { RunLogPage, RunLogQuery, RunLogStreamQuery } from '../../core/schemas';
import { lineMatcher } from '../../run-logs/run-log-line';
import type { RunLogStore } from '../../run-logs/run-log-store';
import { errorResponse } from '../errors';
import { defineRoute, type Around } from '../route';
import { sseEvent, SSE_KEEP_ALIVE, writeSse } from '../sse';
import { IdParam } from './params';

/** How long a read waits for the store before the API answers 503. */
const STORE_WAIT_MS = 5_000;
/** How often a follower looks for new lines while the run goes on. */
const FOLLOW_POLL_MS = 300;
/** How long after a run ends its last lines may still be on their way to the store. */
const SETTLE_MS = 2_000;
/** Lines one event batch reads at most while following. */
const FOLLOW_PAGE = 500;

const LogEventStream = z
  .string()
  .describe(
    'Server-Sent Events: `event: log`, `id:` the line’s cursor, `data:` the line as JSON (a RunLogLine); `event: end` (data {}) once the run has ended ' +
      'and every line it logged has been sent; `event: error` (data: an Error body) if reading fails after the answer started. Comments ' +
      '(`: keep-alive`) come every 15 s. Send the last id read as Last-Event-ID to go on after it.',
  );

export interface LogRouteOptions {
  /** How often a comment keeps an idle connection open, in ms. @default 15_000 */
  heartbeatMs?: number;
}

export function flowRunLogRoutes(client: BatonClient, store: RunLogStore | undefined, options: LogRouteOptions = {}) {
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const open = (): RunLogStore => {
    if (!store) throw new ConflictError('run logs are off on this API (BATON_RUN_LOGS=off)');
    return store;
  };
  /**
   * Whether the run may still log: it runs, or it ended so lately that its workers may not have
   * stored its last lines yet (they store them in batches). Throws 404 for a run Temporal does not have.
   */
  const mayLog = (around: Around, id: string) =>
    around(() =>
      client.temporal.workflow
        .getHandle(id)
        .describe()
        .then(
          (d) => d.status.name === 'RUNNING' || !d.closeTime || Date.now() - d.closeTime.getTime() < SETTLE_MS,
          (err: unknown) => Promise.reject(flowRunNotFound(err, id)),
        ),
    );
  const read = async (runs: RunLogStore, ...args: Parameters<RunLogStore['read']>) => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RunLogsUnavailableError(`the run log store (${runs.kind}) did not answer within ${STORE_WAIT_MS / 1000} s`)), STORE_WAIT_MS);
    });
    try {
      return await Promise.race([
        runs.read(...args).catch((err: unknown) => {
          throw new RunLogsUnavailableError(`the run log store (${runs.kind}) failed: ${(err as Error).message}`);
        }),
        late,
      ]);
    } finally {
      clearTimeout(timer);
    }
  };

  return [
    defineRoute({
      method: 'get',
      path: '/api/flow-runs/:id/logs',
      summary: "A flow run's log lines (flow code, task code, logPrints), oldest first; `next` reads on",
      tag: 'flow runs',
      access: 'read',
      params: IdParam,
      query: RunLogQuery,
      response: RunLogPage,
      errors: [404, 409, 503],
      handler: async ({ params, query }) => {
        const runs = open();
        const [, page] = await Promise.all([
          // The run must exist (the handler already runs under the request's deadline).
          mayLog((work) => work(), params.id),
          read(runs, params.id, { after: query.after, limit: query.limit, keep: lineMatcher(query) }),
        ]);
        return page;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/flow-runs/:id/logs/stream',
      summary: "A flow run's log lines, live, as Server-Sent Events until the run ends; resumable with Last-Event-ID",
      tag: 'flow runs',
      access: 'read',
      params: IdParam,
      query: RunLogStreamQuery,
      produces: 'text/event-stream',
      response: LogEventStream,
      errors: [404, 409, 503],
      handler: async ({ params, query, http }) => {
        const { req, res, around } = http!;
        const runs = open();
        const header = req.get('last-event-id');
        if (header !== undefined && !/^\d{1,20}(-\d{1,20})?$/.test(header.trim())) {
          throw new ValidationError('header', [{ path: 'Last-Event-ID', message: `must be a cursor of this log (got ${JSON.stringify(header.slice(0, 50))})` }]);
        }
        let after = header?.trim() ?? query.after;
        const keep = lineMatcher(query);
        // Before the answer starts: an unknown run is a 404, Temporal or the store out of reach a 503.
        let live = await mayLog(around, params.id);
        let page = await read(runs, params.id, { after, limit: FOLLOW_PAGE, keep });

        let closed = false;
        res.on('close', () => (closed = true));
        res.status(200).set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' });
        res.flushHeaders();
        const heartbeat = setInterval(() => res.write(SSE_KEEP_ALIVE), heartbeatMs);
        try {
          for (;;) {
            for (const line of page.lines) await writeSse(res, sseEvent({ id: line.cursor, event: 'log', data: JSON.stringify(line) }));
            if (closed) return;
            after = page.next || after;
            if (page.lines.length < FOLLOW_PAGE) {
              // Everything so far is sent; a run settled before this read has nothing more to log.
              if (!live) break;
              await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
              if (closed) return;
              live = await mayLog(around, params.id);
            }
            page = await read(runs, params.id, { after, limit: FOLLOW_PAGE, keep });
          }
          await writeSse(res, sseEvent({ event: 'end', data: '{}' }));
        } catch (err) {
          // The status line has gone out: the failure is told as an event, and the reader may resume.
          if (!closed) await writeSse(res, sseEvent({ event: 'error', data: JSON.stringify(errorResponse(err).body) }));
        } finally {
          clearInterval(heartbeat);
          res.end();
        }
      },
    }),
  ];
}
