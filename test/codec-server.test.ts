/**
 * The codec server (`/api/codec`, Temporal's remote codec protocol): with every payload encrypted,
 * the Temporal CLI's `workflow show --codec-endpoint` and the Web UI read a run's parameters and
 * result through it; only the Web UI's origin may call it from a browser; keys still apply; a
 * payload it cannot decode comes back as sent; the embedded dev server points its Web UI at it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { temporal } from '@temporalio/proto';
import { codecOrigins, loadConfig } from '../src/config';
import { freePort, startDevServer } from '../src/server/temporal-server';
import { locateTemporalCli } from '../src/server/temporal-cli';
import { startTestApi, type TestApi } from './api-helpers';
import { startWorker, testTarget, uid, type TestWorker } from './helpers';

const run = promisify(execFile);
const WEB_UI = 'http://127.0.0.1:18233';
const ADMIN = 'codec-admin-0123456789';
const READER = 'codec-reader-0123456789';

const b64 = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('base64');
const text = (value: string | undefined) => Buffer.from(value ?? '', 'base64').toString('utf8');
/** A payload as protobuf's JSON form has it, the codec protocol's shape. */
const asJson = (p: temporal.api.common.v1.IPayload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, b64(v)])),
  data: b64(p.data),
});

describe('codec server', { timeout: 240_000 }, () => {
  const keys = `k1:${randomBytes(32).toString('base64')}`;
  let w: TestWorker;
  let api: TestApi;
  let locked: TestApi;
  let cli: string;

  before(async () => {
    w = await startWorker({ env: { BATON_ENCRYPTION_KEYS: keys } });
    api = await startTestApi(w.client, undefined, { codecOrigins: [WEB_UI] });
    locked = await startTestApi(w.client, `ops:admin:${ADMIN},dash:read:${READER}`, { codecOrigins: [WEB_UI] });
    cli = await locateTemporalCli({ cacheDir: loadConfig().BATON_TEMPORAL_CLI_CACHE });
  });
  after(async () => {
    await locked?.close();
    await api?.close();
    await w?.stop();
  });

  test("the Temporal CLI shows an encrypted run's parameters and result through the codec server, and only ciphertext without it", { timeout: 60_000 }, async () => {
    const marker = uid('codec-marker');
    const flowRun = await w.client.flowRuns.start('hello', { name: marker });
    assert.equal(await flowRun.result(), `hello ${marker}.`);
    const show = (...extra: string[]) =>
      run(
        cli,
        ['workflow', 'show', '--workflow-id', flowRun.id, '--address', testTarget().address, '--namespace', testTarget().namespace, '--output', 'json', ...extra],
        {
          timeout: 30_000,
        },
      );
    // The CLI writes payloads in protobuf's JSON form: data in base64.
    const parameters = Buffer.from(JSON.stringify({ name: marker, excited: false })).toString('base64');
    const result = Buffer.from(JSON.stringify(`hello ${marker}.`)).toString('base64');
    const plain = await show();
    assert.ok(!plain.stdout.includes(parameters) && !plain.stdout.includes(result), 'without the codec server the CLI sees ciphertext');
    assert.ok(plain.stdout.includes(b64(new TextEncoder().encode('binary/encrypted'))));

    const decoded = await show('--codec-endpoint', `${api.base}/api/codec`);
    assert.ok(decoded.stdout.includes(parameters), 'the parameters read');
    assert.ok(decoded.stdout.includes(result), 'the result reads');

    // The same through the API by hand: the run's input as its history holds it.
    const history = await w.client.temporal.workflow.getHandle(flowRun.id).fetchHistory();
    const input = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
    const answer = await api.call('POST', '/api/codec/decode', { payloads: [asJson(input)] });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual([text(answer.body.payloads[0].metadata.encoding), answer.body.payloads[0].data], ['json/plain', parameters]);

    // With keys, the CLI passes one as Temporal's tools do.
    const keyed = await show('--codec-endpoint', `${locked.base}/api/codec`, '--codec-auth', `Bearer ${READER}`);
    assert.ok(keyed.stdout.includes(result));
  });

  test('decode and encode round-trip; a payload it cannot decode comes back as sent; bad bodies are 400s naming the field', { timeout: 60_000 }, async () => {
    const marker = uid('round-trip');
    const plain = { metadata: { encoding: b64(new TextEncoder().encode('json/plain')) }, data: b64(new TextEncoder().encode(JSON.stringify({ marker }))) };
    const encoded = await api.call('POST', '/api/codec/encode', { payloads: [plain] });
    assert.equal(encoded.status, 200, JSON.stringify(encoded.body));
    const [sealed] = encoded.body.payloads;
    assert.deepEqual([text(sealed.metadata.encoding), text(sealed.metadata['encryption-key-id'])], ['binary/encrypted', 'k1']);
    assert.ok(!text(sealed.data).includes(marker), 'encode encrypts');

    // A large payload is encrypted in place, never offloaded: nothing can fail half-way through.
    const large = { metadata: plain.metadata, data: b64(new TextEncoder().encode(JSON.stringify('x'.repeat(200_000)))) };
    const [sealedLarge] = (await api.call('POST', '/api/codec/encode', { payloads: [large] })).body.payloads;
    assert.equal(text(sealedLarge.metadata.encoding), 'binary/encrypted');
    assert.deepEqual((await api.call('POST', '/api/codec/decode', { payloads: [sealedLarge] })).body.payloads[0], large);

    const foreign = {
      metadata: { encoding: b64(new TextEncoder().encode('binary/encrypted')), 'encryption-key-id': b64(new TextEncoder().encode('k9')) },
      data: b64(randomBytes(40)),
    };
    const decoded = await api.call('POST', '/api/codec/decode', { payloads: [sealed, foreign, plain] });
    assert.equal(decoded.status, 200, JSON.stringify(decoded.body));
    assert.deepEqual(decoded.body.payloads[0], plain, 'decode undoes encode');
    assert.deepEqual(decoded.body.payloads[1], foreign, 'a key this API does not hold: answered as sent');
    assert.deepEqual(decoded.body.payloads[2], plain, 'a payload never encrypted passes through');

    const notBase64 = await api.call('POST', '/api/codec/decode', { payloads: [{ data: 'not base64!' }] });
    assert.equal(notBase64.status, 400);
    assert.match(JSON.stringify(notBase64.body.error), /payloads\.0\.data/);
    const extra = await api.call('POST', '/api/codec/decode', { payloads: [], namespace: 'x' });
    assert.equal(extra.status, 400);
    const tooMany = await api.call('POST', '/api/codec/decode', { payloads: Array.from({ length: 1_001 }, () => ({})) });
    assert.equal(tooMany.status, 400);
    assert.match(JSON.stringify(tooMany.body.error), /payloads/);
  });

  test(
    "the Web UI's origin may call it from a browser (CORS, preflight included); any other origin, and every other route, is refused",
    { timeout: 30_000 },
    async () => {
      const preflight = await fetch(`${api.base}/api/codec/decode`, {
        method: 'OPTIONS',
        headers: { origin: WEB_UI, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' },
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers.get('access-control-allow-origin'), WEB_UI);
      assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /X-Namespace/i);

      const body = JSON.stringify({ payloads: [] });
      const fromUi = await fetch(`${api.base}/api/codec/decode`, {
        method: 'POST',
        headers: { origin: WEB_UI, 'content-type': 'application/json', 'x-namespace': 'default' },
        body,
      });
      assert.equal(fromUi.status, 200);
      assert.equal(fromUi.headers.get('access-control-allow-origin'), WEB_UI);
      assert.deepEqual(await fromUi.json(), { payloads: [] });

      const elsewhere = await fetch(`${api.base}/api/codec/decode`, {
        method: 'POST',
        headers: { origin: 'http://evil.example', 'content-type': 'application/json' },
        body,
      });
      assert.equal(elsewhere.status, 403);
      assert.equal(elsewhere.headers.get('access-control-allow-origin'), null);
      const otherPreflight = await fetch(`${api.base}/api/codec/decode`, {
        method: 'OPTIONS',
        headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
      });
      assert.equal(otherPreflight.status, 403);
      // The Web UI's origin is trusted for the codec server only.
      const otherRoute = await fetch(`${api.base}/api/flows`, { headers: { origin: WEB_UI } });
      assert.equal(otherRoute.status, 403);
    },
  );

  test('keys: decoding takes any key, encoding an admin key; none is a 401', { timeout: 30_000 }, async () => {
    const body = { payloads: [] };
    assert.equal((await locked.call('POST', '/api/codec/decode', body)).status, 401);
    assert.equal((await locked.call('POST', '/api/codec/decode', body, { authorization: `Bearer ${READER}` })).status, 200);
    assert.equal((await locked.call('POST', '/api/codec/encode', body, { authorization: `Bearer ${READER}` })).status, 403);
    assert.equal((await locked.call('POST', '/api/codec/encode', body, { authorization: `Bearer ${ADMIN}` })).status, 200);
  });

  test('BATON_CODEC_ORIGINS: origins only, each bad entry named; by default the Web UI', () => {
    assert.deepEqual(codecOrigins(loadConfig({ ...process.env, BATON_CODEC_ORIGINS: 'http://127.0.0.1:8233, HTTPS://UI.Example.com' })), [
      'http://127.0.0.1:8233',
      'https://ui.example.com',
    ]);
    assert.throws(
      () => loadConfig({ ...process.env, BATON_CODEC_ORIGINS: 'http://ui.example.com/path,ftp://x' }),
      (err: Error) =>
        /BATON_CODEC_ORIGINS/.test(err.message) && /'http:\/\/ui\.example\.com\/path' is not an origin/.test(err.message) && /'ftp:\/\/x'/.test(err.message),
    );
    assert.deepEqual(codecOrigins(loadConfig({ ...process.env, BATON_CODEC_ORIGINS: '', BATON_WEB_UI_URL: 'https://temporal.example.com/ui/' })), [
      'https://temporal.example.com',
    ]);
  });

  test("with BATON_ENCRYPTION_KEYS the embedded dev server's Web UI is pointed at the API's codec server", { timeout: 60_000 }, async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-codec-'));
    const [port, uiPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const config = loadConfig({ ...process.env, BATON_HOME: home, BATON_ENCRYPTION_KEYS: keys, BATON_API_PORT: String(apiPort) });
    const server = await startDevServer({ config, port, uiPort, dbFile: path.join(home, 'temporal.db') });
    try {
      const settings = await fetch(`http://127.0.0.1:${uiPort}/api/v1/settings`, { signal: AbortSignal.timeout(10_000) });
      assert.equal(settings.status, 200);
      const body = (await settings.json()) as { Codec?: { Endpoint?: string } };
      assert.equal(body.Codec?.Endpoint, `http://127.0.0.1:${apiPort}/api/codec`);
    } finally {
      await server.devServer?.stop();
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
