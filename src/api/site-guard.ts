/**
 * Keeps web pages the developer happens to open away from the API. A browser sends a cross-site
 * form POST or a DNS-rebound request without asking the API first, so the API itself refuses:
 * a foreign `Host` while it runs keyless (on loopback, where nothing else vouches for the caller),
 * a foreign `Origin` (but for the pages the operator names on the routes meant for them), and a
 * write whose body is not JSON (no HTML form can send JSON).
 */
import type { NextFunction, Request, Response } from 'express';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function refuse(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

/**
 * The loopback names a keyless API answers to, each with the port the request arrived on, and the
 * address it arrived on (a keyless API may listen on another 127.x address).
 */
function loopbackHosts(req: Request): string[] {
  const port = req.socket.localPort ?? 0;
  const address = (req.socket.localAddress ?? '').replace(/^::ffff:/, '');
  const own = address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
  return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, ...(address ? [own] : [])];
}

/** Pages of other origins allowed to call some paths from a browser (CORS): the Temporal Web UI calling the codec server. */
export interface CrossOrigin {
  /** Path prefixes they may call. */
  paths: string[];
  /** Origins (`http://127.0.0.1:8233`), compared without regard to case. */
  origins: string[];
}

/** The host (and port) an `Origin` names, or undefined when it names none (`null`, garbage). */
function originHost(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.host.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Refuses a foreign `Host` (keyless only: with keys the API may sit behind a proxy that rewrites
 * it, and the keys protect it) and an `Origin` other than the API's own, both with 403.
 */
export function siteGuard(keyless: boolean, cors: CrossOrigin = { paths: [], origins: [] }) {
  const trusted = new Set(cors.origins.map((o) => o.toLowerCase()));
  return (req: Request, res: Response, next: NextFunction): void => {
    const host = (req.headers.host ?? '').toLowerCase();
    if (keyless && !loopbackHosts(req).includes(host)) {
      return refuse(res, 403, 'FOREIGN_HOST', `Host '${host}' is not this API: without API keys it answers only to 127.0.0.1, localhost or [::1] on its own port`);
    }
    const origin = req.headers.origin;
    if (origin !== undefined && trusted.has(origin.toLowerCase()) && cors.paths.some((p) => req.path.startsWith(p))) {
      // A page the operator named (the Temporal Web UI) calling a route meant for it: allowed by CORS, keys still apply.
      res.set({ 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true', Vary: 'Origin' });
      if (req.method !== 'OPTIONS') return next();
      res.set({
        'Access-Control-Allow-Methods': 'POST',
        'Access-Control-Allow-Headers': 'Content-Type, X-Namespace, Authorization',
        'Access-Control-Max-Age': '600',
      });
      return void res.status(204).end();
    }
    if (origin !== undefined) {
      // A proxy may name the public host in X-Forwarded-Host; a browser cannot set that header cross-site.
      const own = [
        host,
        String(req.headers['x-forwarded-host'] ?? '')
          .split(',')[0]!
          .trim()
          .toLowerCase(),
      ].filter(Boolean);
      const from = originHost(origin);
      if (!from || !own.includes(from)) {
        return refuse(res, 403, 'FOREIGN_ORIGIN', `requests from origin '${origin}' are refused: only the API's own pages may call it from a browser`);
      }
    }
    next();
  };
}

/**
 * Refuses with 415 a write that carries a body (or names a content type) other than JSON, so an
 * HTML form (urlencoded, multipart, text/plain) can never reach a handler.
 */
export function requireJsonWrites(req: Request, res: Response, next: NextFunction): void {
  if (!WRITES.has(req.method)) return next();
  const type = req.headers['content-type'];
  const length = req.headers['content-length'];
  const hasBody = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  const json = type !== undefined && type.split(';')[0]!.trim().toLowerCase() === 'application/json';
  if (type === undefined ? hasBody : !json) {
    return refuse(res, 415, 'NOT_JSON', `a ${req.method} body must be JSON (Content-Type: application/json), not ${type ?? 'untyped'}`);
  }
  next();
}

/** Forbids showing a page inside any frame (clickjacking), adding to the page's own `policy`. */
export function noFraming(res: Response, policy?: string): void {
  res.set('X-Frame-Options', 'DENY');
  res.set('Content-Security-Policy', [policy, "frame-ancestors 'none'"].filter(Boolean).join('; '));
}
