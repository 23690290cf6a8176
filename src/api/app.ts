/**
 * The REST facade: a stateless Express app over a BatonClient. Everything it reports is read
 * from Temporal on each request. Exported apart from `listen()` so tests drive it in-process.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { BatonClient } from '../client/client';
import { NotFoundError } from '../shared/errors';
import { errorResponse } from './errors';

export interface AppOptions {
  client: BatonClient;
  logger?: Logger;
}

type Handler = (req: Request, res: Response) => Promise<unknown>;

/** Wraps an async route so its errors reach the error handler. */
const route = (fn: Handler) => (req: Request, res: Response, next: NextFunction) => {
  fn(req, res).catch(next);
};

export function createApp({ client, logger }: AppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '1mb' }));

  app.get(
    '/api/health',
    route(async (_req, res) => {
      try {
        await client.connection.workflowService.getSystemInfo({});
        res.json({ status: 'ok', temporal: { reachable: true, namespace: client.options.target.namespace } });
      } catch {
        res.status(503).json({ status: 'degraded', temporal: { reachable: false, namespace: client.options.target.namespace } });
      }
    }),
  );

  app.get(
    '/api/flows',
    route(async (_req, res) => {
      res.json({
        flows: client.flows.map((f) => ({
          name: f.flowName,
          description: f.options.description ?? null,
          version: f.options.version ?? null,
          tags: f.options.tags ?? [],
          parameters: f.options.parameters ? z.toJSONSchema(f.options.parameters as z.ZodType, { io: 'input' }) : null,
        })),
      });
    }),
  );

  app.get(
    '/api/flow-runs/:id',
    route(async (req, res) => {
      res.json(await client.flowRuns.get(String(req.params.id)));
    }),
  );

  app.get(
    '/api/flow-runs/:id/task-runs',
    route(async (req, res) => {
      res.json({ taskRuns: await client.flowRuns.taskRuns(String(req.params.id)) });
    }),
  );

  app.use((req: Request) => {
    throw new NotFoundError(`no route ${req.method} ${req.path}`);
  });

  // Express recognises an error handler by its four parameters.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const isBodyError = (err as { type?: string })?.type === 'entity.parse.failed';
    const { status, body } = isBodyError
      ? { status: 400, body: { error: { code: 'BAD_JSON', message: 'request body is not valid JSON' } } }
      : errorResponse(err);
    if (status >= 500) logger?.error({ err, method: req.method, path: req.path }, 'request failed');
    res.status(status).json(body);
  });
  return app;
}
