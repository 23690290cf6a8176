/**
 * The API's Prometheus metrics (`GET /metrics`): requests by method, route and status, and their
 * latency, with prom-client. Each app has its own registry, so apps in one process (tests) count
 * apart; Node's process metrics (CPU, memory, event-loop lag) are collected once per process.
 */
import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** Route label of a request that matched no route the API declares. */
export const UNMATCHED_ROUTE = 'unmatched';

/** Latency buckets in seconds: a start takes milliseconds; a decision may wait 15 s for a worker. */
const BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

let processRegistry: Registry | undefined;

/** Node's own metrics, collected once per process whatever the number of apps. */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export interface RouteMatcher {
  method: string;
  pattern: RegExp;
  /** The declared path, `/api/flow-runs/:id`: the label, so ids never multiply the series. */
  path: string;
}

export class ApiMetrics {
  private readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly duration: Histogram<'method' | 'route' | 'status'>;
  private routes: RouteMatcher[] = [];

  constructor() {
    this.requests = new Counter({
      name: 'baton_api_requests_total',
      help: 'API requests by method, route (the declared path) and status',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'baton_api_request_duration_seconds',
      help: 'Seconds from a request arriving to its answer being sent, by method, route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: BUCKETS,
      registers: [this.registry],
    });
  }

  /** The routes requests are labelled by; set once the app has declared them all. */
  setRoutes(routes: RouteMatcher[]): void {
    this.routes = routes;
  }

  private routeOf(method: string, path: string): string {
    let samePath: string | undefined;
    for (const r of this.routes) {
      if (!r.pattern.test(path)) continue;
      if (r.method === method || (method === 'HEAD' && r.method === 'GET')) return r.path;
      samePath ??= r.path;
    }
    // A path the API has, asked with another method (a 405): still that path's series.
    return samePath ?? UNMATCHED_ROUTE;
  }

  /** Express middleware, first in the chain: times every request, refused ones included. */
  middleware() {
    return (req: Request, res: Response, next: NextFunction) => {
      const began = process.hrtime.bigint();
      // 'close' also fires when the client goes away mid-answer (an SSE reader leaving).
      res.once('close', () => {
        const labels = { method: req.method, route: this.routeOf(req.method, req.originalUrl.split('?', 1)[0]), status: String(res.statusCode) };
        this.requests.inc(labels);
        this.duration.observe(labels, Number(process.hrtime.bigint() - began) / 1e9);
      });
      next();
    };
  }

  contentType(): string {
    return this.registry.contentType;
  }

  /** The text a scrape reads: this app's series, then the process's. */
  async text(): Promise<string> {
    const [own, node] = await Promise.all([this.registry.metrics(), processMetrics().metrics()]);
    return `${own}\n${node}`;
  }
}
