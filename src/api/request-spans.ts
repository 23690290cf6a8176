/**
 * A server span around each API request, active while the request is handled, so the flow runs
 * a request starts (Temporal's client interceptor) are children of it: one trace from the request
 * to the flow run, its task runs and subflows. Mounted only when the API traces.
 *
 * The span is named by the route's pattern (`POST /api/flow-runs`), never by the path with its
 * ids, and carries no headers, query string or body: those may hold keys and parameters.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** Express middleware that traces each request with `tracer`. */
export function requestSpans(tracer: Tracer): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    // A caller that traces (a `traceparent` header) gets the request as part of its own trace.
    const parent = propagation.extract(context.active(), req.headers);
    const span = tracer.startSpan(req.method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.scheme': req.protocol } }, parent);
    const active = trace.setSpan(parent, span);
    res.once('finish', () => {
      // The route is known once the router matched one; unmatched requests keep the method alone.
      const route = (req.route as { path?: unknown } | undefined)?.path;
      if (typeof route === 'string') {
        span.updateName(`${req.method} ${route}`);
        span.setAttribute('http.route', route);
      }
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    // The request closed before an answer went out (the caller went away).
    res.once('close', () => {
      if (!res.writableFinished) span.end();
    });
    // Listeners on the request and the response (the body parser's, a stream's) run in this context too.
    context.bind(active, req);
    context.bind(active, res);
    context.with(active, next);
  };
}
