/**
 * The codec server as a user meets it: `baton server start` with BATON_ENCRYPTION_KEYS (the embedded
 * dev server, a worker and the API in one process), a run whose every payload is ciphertext in
 * Temporal, and the Temporal Web UI in Chromium showing its result as JSON because the dev server
 * points the Web UI at the API's codec server. The process's own BATON_CODEC_ORIGINS and `--port`
 * are the ones that count.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { freePort } from '../src/server/temporal-server';
import { eventually, ROOT, tempDir } from './helpers';

const CHROMIUM = process.env.BATON_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const OTHER_UI = 'http://ui.example.test:1234';

describe('the Temporal Web UI reads encrypted runs through the codec server', () => {
  test('baton server start with BATON_ENCRYPTION_KEYS: the Web UI shows the result a run stored as ciphertext', { timeout: 240_000 }, async () => {
    assert.ok(fs.existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}: run these tests with \`npm test\`, which installs Debian's chromium when missing`);
    const [temporalPort, uiPort, apiPort, unusedPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const ui = `http://127.0.0.1:${uiPort}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      BATON_HOME: tempDir(),
      BATON_TEMPORAL_PORT: String(temporalPort),
      BATON_TEMPORAL_UI_PORT: String(uiPort),
      // --port wins over this: the Web UI must be sent to the port the API listens on.
      BATON_API_PORT: String(unusedPort),
      BATON_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      BATON_CODEC_ORIGINS: `${ui},${OTHER_UI}`,
    };
    for (const key of Object.keys(env)) if (key.startsWith('TEMPORAL_') || key === 'BATON_WEB_UI_URL') delete env[key];
    let stderr = '';
    const server = spawn(process.execPath, [path.join(ROOT, 'bin', 'baton.js'), 'server', 'start', '--port', String(apiPort)], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    server.stderr!.on('data', (c) => (stderr += String(c)));
    const exited = new Promise<number>((resolve) => server.on('exit', (code) => resolve(code ?? 1)));
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, timeout: 60_000 });
    try {
      const api = `http://127.0.0.1:${apiPort}`;
      const up = eventually(async () => {
        try {
          return (await fetch(`${api}/api/health`)).status === 200 || undefined;
        } catch {
          return undefined;
        }
      }, 90_000);
      // A process that exits at start fails the test at once, with what it said.
      await Promise.race([up, exited.then((code) => Promise.reject(new Error(`exited with ${code}`)))]).catch((err: Error) =>
        assert.fail(`baton server start did not answer on ${api} (${err.message}): ${stderr.slice(-2000)}`),
      );

      // The dev server's Web UI names the API's codec server, on the port the API took.
      const settings = (await (await fetch(`${ui}/api/v1/settings`)).json()) as { Codec?: { Endpoint?: string } };
      assert.equal(settings.Codec?.Endpoint, `${api}/api/codec`);
      // The process's BATON_CODEC_ORIGINS: the other origin it names may call, one it leaves out may not.
      const preflight = (origin: string) => fetch(`${api}/api/codec/decode`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
      assert.equal((await preflight(OTHER_UI)).status, 204);
      assert.equal((await preflight(`http://localhost:${uiPort}`)).status, 403);

      const started = await fetch(`${api}/api/flows/quickstart/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ parameters: { count: 2 } }),
      });
      assert.equal(started.status, 201);
      const { id } = (await started.json()) as { id: string };
      await eventually(async () => ((await (await fetch(`${api}/api/flow-runs/${id}`)).json()) as { state: string }).state === 'Completed' || undefined, 60_000);

      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await page.goto(`${ui}/namespaces/default/workflows/${encodeURIComponent(id)}`);
      // The result, stored encrypted, read as JSON through the codec server.
      await page.getByText('Processed customer-02').first().waitFor({ timeout: 60_000 });
      fs.mkdirSync(path.join(ROOT, 'test-artifacts'), { recursive: true });
      await page.screenshot({ path: path.join(ROOT, 'test-artifacts', 'web-ui-decoded.png'), fullPage: true });
      await page.close();
    } finally {
      await browser.close();
      server.kill('SIGTERM');
    }
    assert.equal(await exited, 0, stderr.slice(-2000));
  });
});
