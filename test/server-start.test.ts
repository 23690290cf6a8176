import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, test } from 'node:test';
import { freePort } from '../src/server/temporal-server';
import { eventually, ROOT, tempDir } from './helpers';

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

describe('baton server start', () => {
  test('embedded Temporal + API + worker: deploy and run the quickstart through the CLI, then stop cleanly', async () => {
    const [temporalPort, uiPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const home = tempDir();
    const env: NodeJS.ProcessEnv = { ...process.env, BATON_HOME: home, BATON_TEMPORAL_PORT: String(temporalPort), BATON_TEMPORAL_UI_PORT: String(uiPort), BATON_API_PORT: String(apiPort) };
    for (const key of Object.keys(env)) if (key.startsWith('TEMPORAL_') || key === 'BATON_WEB_UI_URL') delete env[key];
    const server = spawn(process.execPath, [path.join(ROOT, 'bin', 'baton.js'), 'server', 'start'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
    const exited = new Promise<number>((resolve) => server.on('exit', (code) => resolve(code ?? 1)));
    try {
      const api = `http://127.0.0.1:${apiPort}`;
      await eventually(async () => {
        try {
          return (await fetch(`${api}/api/health`)).status === 200 || undefined;
        } catch {
          return undefined;
        }
      }, 60_000);
      assert.ok(fs.existsSync(path.join(home, 'temporal.db')), 'runs persist in BATON_HOME');
      const cli = (args: string[]) =>
        new Promise<{ code: number; stdout: string }>((resolve) => {
          const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'baton.js'), ...args], { cwd: ROOT, env: { ...env, BATON_API_URL: api } });
          let stdout = '';
          child.stdout.on('data', (c) => (stdout += String(c)));
          child.on('exit', (code) => resolve({ code: code ?? 1, stdout }));
        });
      assert.equal((await cli(['deploy', '--name', 'qs', '--flow', 'quickstart', '--param', 'count=3'])).code, 0);
      const run = await cli(['deployment', 'run', 'qs', '--watch']);
      assert.equal(run.code, 0, run.stdout);
      assert.match(run.stdout, /result: \["Processed customer-01","Processed customer-02","Processed customer-03"\]/);
    } finally {
      server.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
    assert.equal(await portOpen(temporalPort), false, 'the embedded Temporal server stopped too');
    assert.equal(await portOpen(apiPort), false);
  });
});
