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
  test('embedded Temporal + API + worker: deploy and run the quickstart through the CLI, then stop cleanly', { timeout: 180_000 }, async () => {
    const [temporalPort, uiPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const home = tempDir();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      BATON_HOME: home,
      BATON_TEMPORAL_PORT: String(temporalPort),
      BATON_TEMPORAL_UI_PORT: String(uiPort),
      BATON_API_PORT: String(apiPort),
    };
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

/** Spawns a command and collects its stdout lines as they come. */
function spawnWithLines(command: string, args: string[], env: NodeJS.ProcessEnv) {
  // In a process group of its own, as in a terminal: Ctrl-C reaches npm and everything it started.
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let [stdout, stderr] = ['', ''];
  child.stdout!.on('data', (c) => (stdout += String(c)));
  child.stderr!.on('data', (c) => (stderr += String(c)));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  /** Sends a signal to every process still in the group; false when none is left. */
  const signalGroup = (signal: NodeJS.Signals | 0): boolean => {
    try {
      process.kill(-child.pid!, signal);
      return true;
    } catch {
      return false;
    }
  };
  return { child, exited, signalGroup, output: () => stdout, errors: () => stderr };
}

describe('npm start', () => {
  test('runs the quickstart, then serves the Web UI, the REST API and the approvals page on loopback, and prints their URLs', { timeout: 180_000 }, async () => {
    const [temporalPort, uiPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      BATON_HOME: tempDir(),
      BATON_TEMPORAL_PORT: String(temporalPort),
      BATON_TEMPORAL_UI_PORT: String(uiPort),
      BATON_API_PORT: String(apiPort),
    };
    for (const key of Object.keys(env)) if (key.startsWith('TEMPORAL_') || key === 'BATON_WEB_UI_URL' || key === 'BATON_API_KEYS') delete env[key];
    const npm = spawnWithLines('npm', ['start', '--silent', '--', '--count', '3'], env);
    try {
      const printed = await Promise.race([
        eventually(() => (npm.output().includes('approvals  http') ? npm.output() : undefined), 150_000),
        npm.exited.then(() => Promise.reject(new Error(`npm start exited before serving:\n${npm.output()}\n${npm.errors()}`))),
      ]);
      assert.match(printed, /result: \["Processed customer-01","Processed customer-02","Processed customer-03"\]/);
      const runId = /started flow run (\S+)/.exec(printed)?.[1];
      const url = (label: string) => new RegExp(`^  ${label} +(http://\\S+)`, 'm').exec(printed)?.[1];
      const [webUi, apiList, approvals, batonUi] = [url('Web UI'), url('API'), url('approvals'), url('Baton UI')];
      assert.equal(webUi, `http://127.0.0.1:${uiPort}`);
      assert.equal(apiList, `http://127.0.0.1:${apiPort}/api/flow-runs`);
      assert.equal(approvals, `http://127.0.0.1:${apiPort}/approvals`);
      assert.equal(batonUi, `http://127.0.0.1:${apiPort}/ui/runs`);

      const health = await fetch(`http://127.0.0.1:${apiPort}/api/health`);
      assert.equal(health.status, 200, 'no API key needed on loopback');
      const list = (await (await fetch(apiList!)).json()) as { flowRuns: { id: string; flowName: string; state: string }[] };
      assert.deepEqual(
        list.flowRuns.filter((r) => r.id === runId).map((r) => [r.flowName, r.state]),
        [['quickstart', 'Completed']],
        'the quickstart run is listed',
      );
      const page = await fetch(approvals!);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /text\/html/);
      assert.match(await page.text(), /<title>Baton approvals<\/title>/);
      assert.match(await (await fetch(batonUi!)).text(), /<title>Baton runs<\/title>/);
      assert.equal((await fetch(webUi!)).status, 200);
    } finally {
      // Ctrl-C. (npm itself then exits non-zero, as for any command Ctrl-C ends.)
      npm.signalGroup('SIGINT');
    }
    try {
      await eventually(() => !npm.signalGroup(0) || undefined, 60_000);
    } finally {
      // Whatever happened, nothing it started outlives the test.
      npm.signalGroup('SIGKILL');
    }
    assert.doesNotMatch(npm.errors(), /baton:|Error/, 'it stopped without an error');
    assert.equal(await portOpen(apiPort), false, 'the API stopped');
    assert.equal(await portOpen(temporalPort), false, 'the embedded Temporal server stopped');
  });
});
