/**
 * The API against web pages the developer opens: without keys (loopback only) it answers only to
 * its own loopback Host and Origin, and a write must carry JSON, so no cross-site form or DNS
 * rebinding reaches a handler. Also: 4xx errors Express raises are answered as 4xx and logged
 * without a stack, and with keys a request without one gets 401 before its body is read.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { createApp } from '../src/api/app';
import { startTestApi, type TestApi } from './api-helpers';
import { startWorker, uid, type TestWorker } from './helpers';

const ADMIN = 'keyless-admin-0123456789';

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

/** A request with exactly these headers and bytes (fetch would set Host and Origin itself). */
function raw(base: string, method: string, path: string, headers: Record<string, string>, body?: Buffer | string): Promise<Raw> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // HTML or empty: keep the text
        }
        resolve({ status: res.statusCode!, headers: res.headers, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const errorOf = (r: Raw) => (r.body as { error: { code: string; message: string } }).error;

describe('the keyless API refuses other sites', () => {
  let w: TestWorker;
  let api: TestApi;
  let port: string;
  let other: http.Server | undefined;
  const deployments: string[] = [];
  before(async () => {
    w = await startWorker();
    api = await startTestApi(w.client);
    port = new URL(api.base).port;
  });
  after(async () => {
    for (const name of deployments) await w?.client.deployments.delete(name).catch(() => undefined);
    await new Promise((r) => (other ? other.close(r) : r(undefined)));
    await api?.close();
    await w?.stop();
  });

  test('an API listening on another loopback address answers to that address as Host', { timeout: 10_000 }, async () => {
    other = createApp({ client: w.client }).listen(0, '127.0.0.2');
    await new Promise((r, j) => other!.once('listening', r).once('error', j));
    const otherBase = `http://127.0.0.2:${(other.address() as AddressInfo).port}`;
    assert.equal((await raw(otherBase, 'GET', '/api/flows', {})).status, 200);
    assert.equal((await raw(otherBase, 'GET', '/api/flows', { host: 'rebound.example' })).status, 403);
  });

  test('a foreign Host is refused with 403; localhost and 127.0.0.1 on the port are served', { timeout: 20_000 }, async () => {
    for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1:${Number(port) + 1}`, `localhost.evil.example:${port}`]) {
      const res = await raw(api.base, 'GET', '/api/flows', { host });
      assert.equal(res.status, 403, host);
      assert.equal(errorOf(res).code, 'FOREIGN_HOST');
      assert.match(errorOf(res).message, /127\.0\.0\.1, localhost or \[::1\]/);
    }
    const page = await raw(api.base, 'GET', '/approvals', { host: `rebound.example:${port}` });
    assert.equal(page.status, 403, 'the approvals page is refused too');
    for (const path of ['/ui/runs', '/ui/deployments', '/ui/concurrency', '/ui/variables', '/']) {
      assert.equal((await raw(api.base, 'GET', path, { host: `rebound.example:${port}` })).status, 403, `${path} is refused too`);
    }
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `LOCALHOST:${port}`]) {
      const res = await raw(api.base, 'GET', '/api/flows', { host });
      assert.equal(res.status, 200, host);
    }
    // fetch sends Host 127.0.0.1:<port>, checked against the document.
    assert.equal((await api.call('GET', '/api/flows')).status, 200);
  });

  test('a cross-site POST is refused with 403 and starts nothing; the own origin is served', { timeout: 30_000 }, async () => {
    const name = uid('keyless-origin');
    deployments.push(name);
    const spec = { name, flow: 'hello', parameters: { name: 'x' }, taskQueue: w.taskQueue, paused: true };
    for (const origin of ['http://evil.example', 'null', `http://localhost:${Number(port) + 1}`]) {
      const res = await api.call('POST', '/api/deployments', spec, { origin });
      assert.equal(res.status, 403, origin);
      assert.equal(res.body.error.code, 'FOREIGN_ORIGIN');
    }
    assert.equal((await api.call('GET', `/api/deployments/${name}`)).status, 404, 'no deployment was created');
    const own = await api.call('POST', '/api/deployments', spec, { origin: api.base });
    assert.equal(own.status, 201, JSON.stringify(own.body));
    assert.equal((await api.call('GET', `/api/deployments/${name}`)).status, 200);
  });

  test('a form-encoded, multipart or text/plain write is refused with 415 and starts nothing', { timeout: 30_000 }, async () => {
    const name = uid('keyless-form');
    deployments.push(name);
    const form = `name=${name}&flow=hello`;
    for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain']) {
      const res = await api.call('POST', '/api/deployments', form, { 'content-type': type });
      assert.equal(res.status, 415, type);
      assert.equal(res.body.error.code, 'NOT_JSON');
    }
    // A JSON body sent as text/plain is still refused: the type decides, not the bytes.
    const plain = await api.call('POST', `/api/flows/hello/runs`, JSON.stringify({ parameters: { name: 'x' } }), { 'content-type': 'text/plain' });
    assert.equal(plain.status, 415);
    // A body with no Content-Type at all, on a write without a body schema.
    const untyped = await raw(api.base, 'POST', `/api/deployments/${name}/pause`, { 'content-length': '3' }, 'a=b');
    assert.equal(untyped.status, 415);
    assert.equal((await api.call('GET', `/api/deployments/${name}`)).status, 404, 'no deployment was created');
  });

  test('the UI pages, the approvals page and the docs page may not be framed', { timeout: 10_000 }, async () => {
    for (const path of ['/approvals', '/api/docs', '/ui/runs', '/ui/runs/some-run', '/ui/deployments', '/ui/concurrency', '/ui/variables']) {
      const res = await fetch(api.base + path);
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.get('x-frame-options'), 'DENY', path);
      assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/, path);
    }
    assert.match((await fetch(`${api.base}/approvals`)).headers.get('content-security-policy') ?? '', /connect-src 'self'/, 'the page keeps its own policy');
    for (const path of ['/', '/ui']) {
      const res = await fetch(api.base + path, { redirect: 'manual' });
      assert.equal(res.status, 302, path);
      assert.equal(res.headers.get('location'), '/ui/runs', path);
    }
    // A page is served as it is: nothing of the request (a run id, a query) is written into it.
    const hostile = '%3Cscript%3Ealert(1)%3C%2Fscript%3E';
    const [plain, probed] = await Promise.all([fetch(`${api.base}/ui/runs/x`), fetch(`${api.base}/ui/runs/${hostile}?name=${hostile}`)]);
    assert.equal(await probed.text(), await plain.text());
    assert.equal((await fetch(`${api.base}/ui/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status, 405);
  });
});

describe('Express and body-parser errors are answered as 4xx, never 500, and logged without a stack', () => {
  let w: TestWorker;
  let server: http.Server;
  let base: string;
  const lines: Record<string, unknown>[] = [];
  before(async () => {
    w = await startWorker();
    const logger = pino({ level: 'debug' }, { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
    server = createApp({ client: w.client, logger }).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((r) => server?.close(r));
    await w?.stop();
  });

  test('bad percent-encoding in a path, and a corrupt gzip, deflate or br body', { timeout: 20_000 }, async () => {
    for (const path of ['/api/flow-runs/%FF', '/approvals/%C0', '/api/deployments/%E0%A4%A']) {
      const res = await raw(base, 'GET', path, {});
      assert.ok(res.status >= 400 && res.status < 500, `${path}: ${res.status}`);
      assert.equal(typeof errorOf(res).message, 'string', path);
    }
    const bad = await raw(base, 'GET', '/api/flow-runs/%FF', {});
    assert.equal(bad.status, 400);
    assert.match(errorOf(bad).message, /%FF/);
    const junk = Buffer.from('this is not compressed data at all');
    const truncated = zlib.gzipSync(Buffer.from(JSON.stringify({ name: 'x', flow: 'hello' }))).subarray(0, 12);
    for (const [encoding, body] of [
      ['gzip', junk],
      ['gzip', truncated],
      ['deflate', junk],
      ['br', junk],
    ] as const) {
      const res = await raw(base, 'POST', '/api/deployments', { 'content-type': 'application/json', 'content-encoding': encoding }, body);
      assert.equal(res.status, 400, `${encoding}: ${JSON.stringify(res.body)}`);
      assert.match(errorOf(res).message, /Content-Encoding/, encoding);
    }
    const zstd = await raw(base, 'POST', '/api/deployments', { 'content-type': 'application/json', 'content-encoding': 'zstd' }, junk);
    assert.equal(zstd.status, 415);
    assert.equal(errorOf(zstd).code, 'UNSUPPORTED');
    const refused = lines.filter((l) => l.msg === 'request refused');
    // Every answer above but /approvals/%C0, which no route matches (a plain 404), is a refusal logged once.
    assert.equal(refused.length, 8, JSON.stringify(refused));
    assert.deepEqual(
      lines.filter((l) => Number(l.level) >= 50),
      [],
      'nothing at error level',
    );
    assert.ok(!lines.some((l) => JSON.stringify(l).includes('    at ')), 'no stack in the log');
    assert.ok(refused.every((l) => Number(l.level) <= 40));
  });
});

describe('with keys, a request without one gets 401 before its body is read', () => {
  let w: TestWorker;
  let api: TestApi;
  before(async () => {
    w = await startWorker();
    api = await startTestApi(w.client, `ops:admin:${ADMIN}`);
  });
  after(async () => {
    await api?.close();
    await w?.stop();
  });

  test('malformed JSON and a 2 MB body: 401 without a key, 400 / 413 with one', { timeout: 20_000 }, async () => {
    const malformed = '{"name": ';
    const big = JSON.stringify({ name: 'x', description: 'x'.repeat(2 * 1024 * 1024) });
    assert.equal((await api.call('POST', '/api/deployments', malformed)).status, 401);
    assert.equal((await api.call('POST', '/api/deployments', big)).status, 401);
    assert.equal((await api.call('POST', '/api/deployments', malformed, { authorization: 'Bearer wrong-key-0123456789' })).status, 401);
    const auth = { authorization: `Bearer ${ADMIN}` };
    const parsed = await api.call('POST', '/api/deployments', malformed, auth);
    assert.equal(parsed.status, 400);
    assert.equal(parsed.body.error.code, 'BAD_JSON');
    const large = await api.call('POST', '/api/deployments', big, auth);
    assert.equal(large.status, 413);
    assert.equal(large.body.error.code, 'TOO_LARGE');
  });

  test('with keys the Host is not checked, but Origin and the JSON rule still are', { timeout: 20_000 }, async () => {
    const auth = { authorization: `Bearer ${ADMIN}` };
    const proxied = await raw(api.base, 'GET', '/api/flows', { ...auth, host: 'baton.example.com' });
    assert.equal(proxied.status, 200);
    const behindProxy = await raw(api.base, 'GET', '/api/flows', {
      ...auth,
      host: 'internal:8080',
      'x-forwarded-host': 'baton.example.com',
      origin: 'https://baton.example.com',
    });
    assert.equal(behindProxy.status, 200, "the origin the proxy names is the API's own");
    const foreign = await api.call('POST', '/api/flows/hello/runs', { parameters: { name: 'x' } }, { ...auth, origin: 'https://evil.example' });
    assert.equal(foreign.status, 403);
    assert.equal(foreign.body.error.code, 'FOREIGN_ORIGIN');
    const form = await api.call('POST', '/api/flows/hello/runs', 'parameters=x', { ...auth, 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(form.status, 415);
  });
});
