/**
 * The REST facade: a stateless Express app over a BatonClient. Everything it reports is read
 * from Temporal on each request, so any number of API processes can run side by side. Exported
 * apart from `listen()` (see server.ts) so tests drive it in-process over HTTP.
 */
import path from 'node:path';
import type { Tracer } from '@opentelemetry/api';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { CacheStore } from '../activities/cache-store';
import type { RunLogStore } from '../run-logs/run-log-store';
import type { McpHealthProbe } from '../mcp/mcp-health';
import type { BatonClient } from '../client/client';
import { MethodNotAllowedError, NotFoundError } from '../core/errors';
import type { ApiKey } from './auth';
import { errorResponse } from './errors';
import { openApiDocument, register } from './route';
import { noFraming, siteGuard } from './site-guard';
import { requestErrorReply } from './request-errors';
import { requestSpans } from './request-spans';
import { routes } from './routes';
import { mountUi, UI_PATHS } from './ui/ui-routes';
import { ApiMetrics } from './metrics';
import { metricsRoutes } from './routes/metrics';
import { MCP_PATH, mountMcp } from './mcp-endpoint';
import { mountWebhooks, WEBHOOK_OPERATION, WEBHOOK_PATH } from './routes/webhooks';
import { loadWebhooks, type Webhook } from '../events/webhook-config';
import { CODEC_PATH } from './routes/codec';

export interface AppOptions {
  client: BatonClient;
  /** The result cache the workers use, for `DELETE /api/cache`. */
  cache?: CacheStore;
  /** API keys; none means every request acts as a local admin (the server then binds to loopback only). */
  apiKeys?: ApiKey[];
  logger?: Logger;
  /**
   * Seconds a decision on an approval waits for the run's worker to take it before the API
   * answers 503 (no worker runs the flow run). @default DECIDE_WAIT_SECONDS (15)
   */
  decideWaitSeconds?: number;
  /**
   * Seconds a request waits for Temporal before it answers 503: a Temporal that does not answer
   * (frozen, or behind a network that drops packets) never holds a request longer. A decision on an
   * approval waits `decideWaitSeconds` instead. @default API_TEMPORAL_WAIT_SECONDS (10)
   */
  temporalWaitSeconds?: number;
  /** The declared MCP servers, reported by `GET /api/health`. */
  mcp?: McpHealthProbe;
  /** Where the workers keep runs' log lines (`GET /api/flow-runs/:id/logs`); none answers 409 there. */
  runLogs?: RunLogStore;
  /** Webhooks `POST /api/webhooks/:name` takes. @default those BATON_WEBHOOKS and baton.yaml declare (checked here, at start) */
  webhooks?: readonly Webhook[];
  /**
   * Traces each request (a server span named by its route) and makes it the parent of the flow
   * runs the request starts; the client must carry Temporal's OpenTelemetry interceptor for that.
   * @default no tracing
   */
  tracer?: Tracer;
  /**
   * Origins whose pages may call the codec server (`/api/codec/*`) from a browser: the Temporal Web
   * UI's. Every other route refuses a foreign Origin. @default none
   */
  codecOrigins?: string[];
}

/** Seconds an API request waits for Temporal by default. */
export const API_TEMPORAL_WAIT_SECONDS = 10;

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Baton API</title>
  <link rel="stylesheet" href="/api/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="docs"></div>
  <script src="/api/docs/assets/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#docs', deepLinking: true });
  </script>
</body>
</html>`;

/** Methods the API answers on some path; any other (TRACE, CONNECT...) is a 405 everywhere. */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PATCH', 'DELETE', 'OPTIONS']);

/** A route path (`/api/flow-runs/:id`) as a pattern over request paths. */
function pathPattern(route: string): RegExp {
  const escaped = route.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\\:\w+|:\w+/g, '[^/]+');
  return new RegExp(`^${escaped}/?$`);
}

export function createApp({
  client,
  apiKeys = [],
  logger,
  cache,
  decideWaitSeconds,
  temporalWaitSeconds = API_TEMPORAL_WAIT_SECONDS,
  mcp,
  runLogs,
  webhooks = loadWebhooks(),
  tracer,
  codecOrigins = [],
}: AppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // First, so every request is counted and timed, and has its span, refused ones included.
  const metrics = new ApiMetrics();
  app.use(metrics.middleware());
  if (tracer) app.use(requestSpans(tracer));
  // Before anything else, so no page or handler answers a request from another site.
  app.use(siteGuard(apiKeys.length === 0, { paths: [`${CODEC_PATH}/`], origins: codecOrigins }));

  const all = [...routes(client, cache, { decideWaitSeconds, mcp, runLogs, logger }), ...metricsRoutes(metrics)];
  // Every Temporal call a handler makes gets this deadline unless it sets its own (a decision does).
  const around = <T>(work: () => Promise<T>) => client.connection.withDeadline(Date.now() + temporalWaitSeconds * 1000, work);
  register(app, all, apiKeys, around);
  mountWebhooks(app, { client, webhooks, around, logger });

  mountMcp(app, { client, apiKeys, logger, temporalWaitSeconds, decideWaitSeconds });

  const document = openApiDocument(all, { title: 'Baton API', version: '0.1.0' }, WEBHOOK_OPERATION);
  app.get('/api/openapi.json', (_req, res) => {
    res.json(document);
  });
  app.get('/api/docs', (_req, res) => {
    noFraming(res);
    res.type('html').send(DOCS_PAGE);
  });
  mountUi(app);
  app.use('/api/docs/assets', express.static(path.dirname(require.resolve('swagger-ui-dist/package.json')), { index: false }));

  // A path the API has, asked with a method it does not take (or TRACE, CONNECT...): 405 with Allow.
  const paths = [
    ...all.map((r) => ({ method: r.method.toUpperCase(), path: r.path })),
    ...['/api/openapi.json', '/api/docs', ...UI_PATHS].map((p) => ({ method: 'GET', path: p })),
    { method: 'POST', path: WEBHOOK_PATH },
  ].map((p) => ({ ...p, pattern: pathPattern(p.path) }));
  // Metrics label requests by these paths; the MCP endpoint answers every method itself.
  metrics.setRoutes([
    ...paths,
    { method: 'POST', path: MCP_PATH, pattern: pathPattern(MCP_PATH) },
    { method: 'GET', path: '/api/docs/assets/*', pattern: /^\/api\/docs\/assets\// },
  ]);
  app.use((req: Request, res: Response) => {
    const allowed = [...new Set(paths.filter((p) => p.pattern.test(req.path)).map((p) => p.method))];
    if (allowed.length || !KNOWN_METHODS.has(req.method)) {
      if (allowed.length) res.setHeader('Allow', allowed.join(', '));
      throw new MethodNotAllowedError(`${req.method} is not allowed on ${req.path}${allowed.length ? ` (it takes ${allowed.join(', ')})` : ''}`, allowed);
    }
    throw new NotFoundError(`no route ${req.method} ${req.path}`);
  });

  // Express recognises an error handler by its four parameters.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    // A 4xx Express's router or body parser raised (bad percent-encoding, a corrupt body) is the
    // caller's mistake: answered as such and logged without a stack, so nobody can flood the log.
    const request = requestErrorReply(err);
    if (request) {
      logger?.info(
        { method: req.method, path: req.path, status: request.status, code: request.body.error.code, reason: request.body.error.message },
        'request refused',
      );
      res.status(request.status).json(request.body);
      return;
    }
    const reply = errorResponse(err);
    if (reply.status >= 500) logger?.error({ err, method: req.method, path: req.path }, 'request failed');
    res.status(reply.status).json(reply.body);
  });
  return app;
}
