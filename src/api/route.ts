/**
 * One declaration per route: method, path, who may call it, and the zod schemas of its params,
 * query, body and response. The same declaration registers the Express handler (which validates
 * input before the handler runs) and produces the route's OpenAPI operation.
 */
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { z, type ZodType } from 'zod';
import { ValidationError } from '../core/errors';
import { fieldIssues } from '../core/flow-options';
import { authenticate, authorize, type ApiKey, type Principal, type Role } from './auth';
import { contract, ErrorBody } from '../core/schemas';
import { requireJsonWrites } from './site-guard';

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  principal: Principal;
  /** Set for a route that `produces` a stream: it writes its answer to `res` itself. */
  http?: { req: Request; res: Response; around: Around };
}

export interface RouteDef<P = unknown, Q = unknown, B = unknown> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express-style path: `/api/deployments/:name`. */
  path: string;
  summary: string;
  tag: string;
  /** `public` needs no key; `read` any key; `admin` an admin key. */
  access: 'public' | Role;
  params?: ZodType<P>;
  query?: ZodType<Q>;
  body?: ZodType<B>;
  /** Response schema for the success status. */
  response?: ZodType;
  /** The success status. @default 200 */
  status?: number;
  /**
   * Other statuses the handler answers with through {@link Reply}, with the same `response`
   * schema: 200 when a create finds what it would create, 503 from a health check in trouble.
   */
  replies?: number[];
  /** Error statuses the route can answer with, for the document. */
  errors?: number[];
  /**
   * An answer that is not JSON: a stream of Server-Sent Events, or text (Prometheus metrics). The
   * handler gets `http` and writes to the response; no request deadline wraps it (it uses
   * `http.around` for its calls before it starts writing).
   */
  produces?: 'text/event-stream' | 'text/plain';
  handler: (input: RouteInput<P, Q, B>) => Promise<unknown>;
}

/** A handler's answer with a status other than the route's usual one (201 vs 200 on create-or-update). */
export class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

/** Keeps the types of a route's schemas flowing into its handler. */
export function defineRoute<P, Q, B>(def: RouteDef<P, Q, B>): RouteDef<P, Q, B> {
  return def;
}

function parse<T>(schema: ZodType<T> | undefined, value: unknown, target: string): T {
  if (!schema) return value as T;
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(target, fieldIssues(result.error.issues));
  return result.data;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyRoute = RouteDef<any, any, any>;

/** The largest JSON body a route reads. */
export const BODY_LIMIT = '1mb';

/** Runs a handler's work: the app gives every Temporal call in it a deadline this way. */
export type Around = <T>(work: () => Promise<T>) => Promise<T>;

/**
 * Registers routes on an app: authentication and authorization, then the body (JSON only, read
 * only after the key checked out, so a caller without one learns nothing from a bad body), then
 * validation and the handler.
 */
export function register(app: Express, routes: AnyRoute[], keys: ApiKey[], around: Around = (work) => work()): void {
  const json = express.json({ limit: BODY_LIMIT });
  for (const def of routes) {
    const identify = (req: Request, res: Response, next: NextFunction) => {
      try {
        const principal: Principal = def.access === 'public' ? { name: 'anonymous', role: 'read' } : authenticate(req.headers.authorization, keys);
        if (def.access !== 'public') authorize(principal, def.access);
        res.locals.principal = principal;
        next();
      } catch (err) {
        next(err);
      }
    };
    // A route without a body schema never reads one: whatever is sent is left unread.
    const body = def.body ? [json] : [];
    app[def.method](def.path, identify, requireJsonWrites, ...body, (req: Request, res: Response, next: NextFunction) => {
      (async () => {
        const principal = res.locals.principal as Principal;
        const params = parse(def.params, req.params, 'path');
        const query = parse(def.query, { ...(req.query as object) }, 'query');
        let body: unknown = undefined;
        if (def.body) {
          // No body at all reads as {}; anything else goes to the schema, which names what is wrong.
          body = parse(def.body, req.body ?? {}, 'body');
        }
        if (def.produces) return void (await def.handler({ params, query, body, principal, http: { req, res, around } }));
        let result = await around(() => def.handler({ params, query, body, principal }));
        let status = def.status ?? 200;
        if (result instanceof Reply) {
          status = result.status;
          result = result.body;
        }
        if (status === 204) res.status(204).end();
        else res.status(status).json(result);
      })().catch(next);
    });
  }
}

const toOpenApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

/**
 * One Server-Sent Event as a reader parses it: a text/event-stream schema describes each event,
 * not the stream's text (tools such as Schemathesis check every event against it).
 */
const SSE_EVENT = {
  type: 'object',
  properties: { id: { type: 'string' }, event: { type: 'string' }, data: { type: 'string' }, retry: { type: 'integer', minimum: 0 } },
  required: ['data'],
};

/** The schema of a route's success body: its response schema, or for a stream each event, described by the response schema. */
function answerSchema(def: AnyRoute): Record<string, unknown> {
  const schema = jsonSchema(def.response!, 'output');
  if (def.produces === 'text/plain') return { type: 'string', ...(typeof schema.description === 'string' ? { description: schema.description } : {}) };
  if (def.produces !== 'text/event-stream') return schema;
  return { ...SSE_EVENT, ...(typeof schema.description === 'string' ? { description: schema.description } : {}) };
}

function jsonSchema(schema: ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const id = contract.get(schema)?.id;
  if (id) return { $ref: `#/components/schemas/${id}` };
  return z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12', metadata: contract }) as Record<string, unknown>;
}

function parameters(schema: ZodType | undefined, location: 'path' | 'query'): Record<string, unknown>[] {
  if (!schema) return [];
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', metadata: contract }) as {
    properties?: Record<string, Record<string, unknown>>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: location,
    required: location === 'path' || (json.required ?? []).includes(name),
    schema: s,
    ...(typeof s.description === 'string' ? { description: s.description } : {}),
  }));
}

const STATUS_TEXT: Record<number, string> = {
  400: 'invalid input: the message and details name each bad field',
  401: 'missing or invalid API key',
  403: 'the API key may not do this, or the request came from another site (a foreign Origin, or a foreign Host while the API runs without keys)',
  404: 'not found',
  409: 'conflicts with the current state',
  413: 'request body too large',
  415: 'a write whose body is not JSON, or a body in an encoding or charset the API does not read',
  503: 'a service the request needs did not answer: Temporal, the worker running the flow run, or (clearing the cache) the cache store',
};

/** The OpenAPI 3.1 document for a set of routes, and `extraPaths` for operations mounted apart from the table. */
export function openApiDocument(
  routes: AnyRoute[],
  info: { title: string; version: string },
  extraPaths: Record<string, Record<string, unknown>> = {},
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = structuredClone(extraPaths);
  for (const def of routes) {
    const path = toOpenApiPath(def.path);
    // 403 on every route: a request from another site is refused whatever the key (see site-guard.ts).
    const errors = new Set([...(def.errors ?? []), ...(def.access === 'public' ? [] : [401]), 403]);
    if (def.body || def.query || def.params) errors.add(400);
    // A write refuses a body that is not JSON; express.json refuses one over the limit, or in an unknown encoding or charset.
    if (def.method !== 'get') errors.add(415);
    if (def.body) errors.add(413);
    const responses: Record<string, unknown> = {};
    const status = def.status ?? 200;
    for (const code of [status, ...(def.replies ?? [])]) {
      const description = code < 300 ? (code === 204 ? 'done' : 'success') : (STATUS_TEXT[code] ?? 'error');
      responses[String(code)] =
        code === 204 || !def.response ? { description } : { description, content: { [def.produces ?? 'application/json']: { schema: answerSchema(def) } } };
    }
    for (const code of [...errors].sort()) {
      responses[String(code)] = {
        description: STATUS_TEXT[code] ?? 'error',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
    // Any route may fail in a way nobody foresaw; the answer is the same everywhere, so it is declared once.
    responses['500'] = { $ref: '#/components/responses/InternalError' };
    paths[path] ??= {};
    paths[path][def.method] = {
      summary: def.summary,
      tags: [def.tag],
      operationId: `${def.method}${def.path.replace(/\/:?(\w)([\w-]*)/g, (_, a: string, b: string) => a.toUpperCase() + b.replace(/-(\w)/g, (_m: string, c: string) => c.toUpperCase()))}`,
      ...(def.access === 'public' ? { security: [] } : {}),
      parameters: [...parameters(def.params, 'path'), ...parameters(def.query, 'query')],
      ...(def.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(def.body, 'input') } } } } : {}),
      responses,
    };
  }
  // Every schema with an id becomes a component; routes refer to them.
  const registry = z.toJSONSchema(contract, {
    io: 'output',
    metadata: contract,
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, Record<string, unknown>> };
  const schemas: Record<string, unknown> = {};
  for (const [id, schema] of Object.entries(registry.schemas)) {
    // zod names each schema by its uri ('#/components/schemas/X'), an $id with a fragment, which
    // draft 2020-12 forbids; the component's key already names it.
    const { $schema: _drop, $id: _id, ...rest } = schema;
    schemas[id] = rest;
  }
  schemas.Error ??= jsonSchema(ErrorBody, 'output');
  return {
    openapi: '3.1.0',
    info: { ...info, description: 'Baton: deploy, schedule, run and inspect flows on Temporal.' },
    servers: [{ url: '/' }],
    components: {
      schemas,
      responses: {
        InternalError: {
          description: 'an unexpected error: the body says no more than that (the server logs it), and reveals no stack trace',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      },
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'a key from BATON_API_KEYS' } },
    },
    security: [{ apiKey: [] }],
    paths,
  };
}
