/** The API in-process on a free loopback port, and a small JSON HTTP helper. */
import type { AddressInfo } from 'node:net';
import { after, before } from 'node:test';
import type { Server } from 'node:http';
import { createApp } from '../src/api/app';
import { parseApiKeys } from '../src/api/auth';
import { FileCacheStore } from '../src/activities/cache-store';
import type { BatonClient } from '../src/client/client';
import { cacheDir, loadConfig } from '../src/config';
import { startWorker, type TestWorker } from './helpers';

export interface TestApi {
  base: string;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export async function startTestApi(client: BatonClient, keys?: string, options: { decideWaitSeconds?: number } = {}): Promise<TestApi> {
  const cache = new FileCacheStore(cacheDir(loadConfig()));
  const server: Server = createApp({ client, apiKeys: parseApiKeys(keys), cache, ...options }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
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
