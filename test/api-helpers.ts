/**
 * The API in-process on a free loopback port, and a small JSON HTTP helper that checks every answer
 * against the OpenAPI document the same app serves (see openapi-check.ts).
 */
import type { Webhook } from '../src/events/webhook-config';
import type { AddressInfo } from 'node:net';
import { after, before } from 'node:test';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { openRunLogStore, type RunLogStore } from '../src/run-logs/run-log-store';
import { createApp } from '../src/api/app';
import { parseApiKeys } from '../src/api/auth';
import { FileCacheStore, type CacheStore } from '../src/activities/cache-store';
import type { BatonClient } from '../src/client/client';
import type { McpHealthProbe } from '../src/mcp/mcp-health';
import { cacheDir, loadConfig } from '../src/config';
import { startWorker, type TestWorker } from './helpers';
import { ResponseChecker, type OpenApiDocument } from './openapi-check';

export interface TestApi {
  base: string;
  /**
   * Sends a request and returns the answer once it has passed the document's check: an answer the
   * document does not describe (operation, status or body) fails the test with all three.
   */
  // The body has passed the document's schema check; tests read its fields directly.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  /** Every `"METHOD /template status"` this API has answered through `call`, checked. */
  readonly observed: ReadonlySet<string>;
  /** The checker built from the document this API serves. */
  checker(): Promise<ResponseChecker>;
  close(): Promise<void>;
}

export interface TestApiOptions {
  decideWaitSeconds?: number;
  /** Where the API logs; the Schemathesis test keeps what it logs for a 5xx. */
  logger?: Logger;
  temporalWaitSeconds?: number;
  /** The declared MCP servers, for health. */
  mcp?: McpHealthProbe;
  /** false: an API without a result cache (`DELETE /api/cache` then answers 409); or a store of the test's own. @default true */
  cache?: boolean | CacheStore;
  /** The webhooks `POST /api/webhooks/:name` takes. @default none */
  webhooks?: readonly Webhook[];
  /** Origins that may call the codec server from a browser. @default none */
  codecOrigins?: string[];
  /** false: an API without run logs (their routes answer 409); or a store of the test's own. @default the file store in BATON_HOME */
  runLogs?: false | RunLogStore;
}

export async function startTestApi(client: BatonClient, keys?: string, options: TestApiOptions = {}): Promise<TestApi> {
  const { cache: withCache = true, webhooks = [], runLogs: withRunLogs, ...appOptions } = options;
  const cache = withCache === true ? new FileCacheStore(cacheDir(loadConfig())) : withCache || undefined;
  const runLogs = withRunLogs === undefined ? await openRunLogStore({ ...loadConfig(), BATON_RUN_LOGS: 'file' }) : withRunLogs || undefined;
  const server: Server = createApp({ client, apiKeys: parseApiKeys(keys), cache, webhooks, runLogs, ...appOptions }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const observed = new Set<string>();
  let checker: Promise<ResponseChecker> | undefined;
  const loadChecker = () =>
    (checker ??= (async () => {
      const res = await fetch(`${base}/api/openapi.json`);
      if (res.status !== 200) throw new Error(`GET /api/openapi.json answered ${res.status}`);
      return new ResponseChecker((await res.json()) as OpenApiDocument);
    })());
  return {
    base,
    observed,
    checker: loadChecker,
    async call(method, path, body, headers = {}) {
      const res = await fetch(base + path, {
        method,
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: keep the text
      }
      const pair = (await loadChecker()).check(method, path, { status: res.status, contentType: res.headers.get('content-type'), text, body: parsed });
      if (pair) observed.add(pair);
      return { status: res.status, body: parsed };
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/**
 * A worker on a fresh task queue and the API over its client, for one describe block: started in
 * `before`, stopped in `after`. Read `w` and `api` inside tests.
 */
export function workerAndApi(): { readonly w: TestWorker; readonly api: TestApi } {
  const ctx = {} as { w: TestWorker; api: TestApi };
  before(async () => {
    ctx.w = await startWorker();
    ctx.api = await startTestApi(ctx.w.client);
  });
  after(async () => {
    await ctx.api?.close();
    await ctx.w?.stop();
  });
  return ctx;
}
