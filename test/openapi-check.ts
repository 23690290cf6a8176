/**
 * Checks an API answer against the OpenAPI document the same app serves: the request must be one
 * of the document's operations (method and path template), the status one the document names for
 * it, and the JSON body valid against the schema the document gives for that status, checked by a
 * JSON Schema (draft 2020-12) validator. The document therefore cannot drift from what the API sends.
 */
import { AssertionError } from 'node:assert';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';

/**
 * Paths outside the document on purpose, each with its reason. Everything else a test receives is
 * checked; a path that matches no operation fails the test.
 */
export const UNCHECKED: readonly { path: string | RegExp; reason: string }[] = [
  { path: '/approvals', reason: 'the approvals page: HTML for people, not part of the JSON API' },
  { path: /^\/(ui(\/.*)?)?$/, reason: 'the Baton UI: HTML pages for people (`/` and `/ui` lead to `/ui/runs`)' },
  { path: '/api/docs', reason: 'the API reference page (Swagger UI): HTML' },
  { path: /^\/api\/docs\/assets\//, reason: "Swagger UI's static files" },
  { path: '/api/openapi.json', reason: 'the document itself: api-contract.test.ts validates it as OpenAPI 3.1' },
];

export function isUnchecked(path: string): boolean {
  return UNCHECKED.some((u) => (typeof u.path === 'string' ? u.path === path : u.path.test(path)));
}

interface MediaType {
  schema?: Record<string, unknown>;
}
interface ResponseSpec {
  description?: string;
  content?: Record<string, MediaType>;
}
/** A response declared once under `components.responses` and named by reference. */
interface ResponseRef {
  $ref: string;
}
interface OperationSpec {
  parameters?: { name: string; in: string }[];
  responses: Record<string, ResponseSpec | ResponseRef>;
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, OperationSpec>>;
  components?: { schemas?: Record<string, unknown>; responses?: Record<string, ResponseSpec> };
}

const RESPONSES = '#/components/responses/';

/** A response as a test received it. */
export interface Received {
  status: number;
  contentType: string | null;
  text: string;
  body: unknown;
}

const COMPONENTS = '#/components/schemas/';
/** Where the document's component schemas live inside the validator (any URI works; this one is never fetched). */
const BASE = 'https://baton.invalid/openapi.json';

/** RFC 3339 date-time, the only format the document uses. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/** Rewrites the document's `#/components/schemas/X` references to where `X` sits in the validator. */
function rebase(value: unknown, prefix: string): unknown {
  if (Array.isArray(value)) return value.map((v) => rebase(v, prefix));
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => {
      if (k !== '$ref') return [k, rebase(v, prefix)];
      if (typeof v !== 'string' || !v.startsWith(COMPONENTS)) throw new Error(`unsupported $ref ${JSON.stringify(v)} in the OpenAPI document`);
      return [k, prefix + v.slice(COMPONENTS.length)];
    }),
  );
}

const show = (received: Received) => {
  const text = received.body === undefined ? '(empty)' : typeof received.body === 'string' ? received.body : JSON.stringify(received.body);
  return text.length > 4_000 ? `${text.slice(0, 4_000)}… (${text.length} characters)` : text;
};

export class ResponseChecker {
  private readonly ajv: Ajv2020;
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly templates: { method: string; template: string; segments: string[]; spec: OperationSpec }[] = [];

  constructor(private readonly document: OpenApiDocument) {
    // strict: an unknown keyword or a malformed schema in the document is an error, not ignored.
    this.ajv = new Ajv2020({ allErrors: true, strict: true });
    this.ajv.addVocabulary(['example']);
    this.ajv.addFormat('date-time', (s: string) => DATE_TIME.test(s) && !Number.isNaN(Date.parse(s)));
    // addSchema checks every component against the draft 2020-12 meta-schema.
    try {
      this.ajv.addSchema({ $id: BASE, $defs: rebase(document.components?.schemas ?? {}, '#/$defs/') });
    } catch (err) {
      throw new AssertionError({ message: `OpenAPI: the document's component schemas are not valid JSON Schema 2020-12: ${(err as Error).message}` });
    }
    for (const [template, operations] of Object.entries(document.paths)) {
      for (const [method, spec] of Object.entries(operations)) {
        this.templates.push({ method: method.toUpperCase(), template, segments: template.split('/'), spec });
      }
    }
  }

  /** Every (operation, status) pair the document names, as `"POST /api/flows/{name}/runs 201"`. */
  named(): Set<string> {
    return new Set(this.templates.flatMap((t) => Object.keys(t.spec.responses).map((s) => `${t.method} ${t.template} ${s}`)));
  }

  /** The operation a request is, as `"GET /api/flow-runs/{id}"`: literal segments win over `{params}`. */
  operation(method: string, path: string): { key: string; spec: OperationSpec } | undefined {
    const segments = path.split('?')[0]!.split('/');
    let best: { key: string; spec: OperationSpec; literals: number } | undefined;
    for (const t of this.templates) {
      if (t.method !== method.toUpperCase() || t.segments.length !== segments.length) continue;
      let literals = 0;
      const fits = t.segments.every((s, i) => {
        if (/^\{\w+\}$/.test(s)) return segments[i] !== '';
        literals++;
        return s === segments[i];
      });
      if (fits && (!best || literals > best.literals)) best = { key: `${t.method} ${t.template}`, spec: t.spec, literals };
    }
    return best && { key: best.key, spec: best.spec };
  }

  /**
   * Throws an AssertionError naming the operation, the status and the body unless the answer is
   * one the document describes; returns the `"METHOD /template status"` pair it matched, or
   * undefined for a path in UNCHECKED.
   */
  check(method: string, path: string, received: Received): string | undefined {
    const pathname = path.split('?')[0]!;
    if (isUnchecked(pathname)) return undefined;
    const op = this.operation(method, pathname);
    const fail = (message: string): never => {
      throw new AssertionError({ message: `OpenAPI: ${message}\n  body: ${show(received)}` });
    };
    if (!op) return fail(`${method.toUpperCase()} ${pathname} is no operation of the document (answered ${received.status})`);
    const named = Object.keys(op.spec.responses);
    const spec = this.response(op.spec.responses[String(received.status)]);
    if (!spec) return fail(`${op.key} answered ${received.status}, which the document does not name (it names ${named.join(', ')})`);
    const schema = spec.content?.['application/json']?.schema;
    if (!spec.content) {
      if (received.text !== '') fail(`${op.key} ${received.status} has no body in the document, but one was sent`);
    } else if (spec.content['text/plain']) {
      // Text (Prometheus metrics): the type must say so; the document describes no more of it.
      if (!/^text\/plain\b/.test(received.contentType ?? ''))
        fail(`${op.key} ${received.status} answered ${received.contentType ?? 'no content type'}, not text/plain`);
    } else if (!schema) {
      fail(`${op.key} ${received.status}: the document gives no application/json schema`);
    } else {
      if (!/^application\/json\b/.test(received.contentType ?? ''))
        fail(`${op.key} ${received.status} answered ${received.contentType ?? 'no content type'}, not application/json`);
      if (typeof received.body === 'string' || received.body === undefined) fail(`${op.key} ${received.status}: the body is not JSON`);
      const validate = this.validator(`${op.key} ${received.status}`, schema);
      if (!validate(received.body)) {
        const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '(body)'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
        fail(`${op.key} ${received.status}: the body does not match the document's schema:\n    ${problems.join('\n    ')}`);
      }
    }
    return `${op.key} ${received.status}`;
  }

  /** A response as the operation declares it, or the shared one it refers to. */
  private response(spec: ResponseSpec | ResponseRef | undefined): ResponseSpec | undefined {
    if (!spec || !('$ref' in spec)) return spec;
    const name = spec.$ref.startsWith(RESPONSES) ? spec.$ref.slice(RESPONSES.length) : undefined;
    const shared = name === undefined ? undefined : this.document.components?.responses?.[name];
    if (!shared) throw new AssertionError({ message: `OpenAPI: the response $ref ${JSON.stringify(spec.$ref)} names no response of components.responses` });
    return shared;
  }

  private validator(key: string, schema: Record<string, unknown>): ValidateFunction {
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile(rebase(schema, `${BASE}#/$defs/`) as Record<string, unknown>);
      this.validators.set(key, validate);
    }
    return validate;
  }
}
