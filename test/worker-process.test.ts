import assert from 'node:assert/strict';
import { dataConverter, loadConfig } from '../src/config';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { BatonClient } from '../src/client/client';
import { freePort } from '../src/server/temporal-server';
import { eventually, FIXTURES, readLines, ROOT, tempDir, testTarget, uid } from './helpers';

function run(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'baton.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += String(c)));
  const done = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  return { child, done, stderr: () => stderr };
}

describe('worker process', () => {
  test('SIGTERM lets the in-flight task finish, then the worker exits 0', async () => {
    const taskQueue = uid('graceful');
    const dir = tempDir();
    const client = await BatonClient.connect({ target: testTarget(), dataConverter: dataConverter(loadConfig()), taskQueue });
    try {
      const worker = run(['worker', 'start', '--flows', FIXTURES, '--task-queue', taskQueue], {});
      const handle = await client.temporal.workflow.start('steps', {
        taskQueue,
        workflowId: uid('steps'),
        args: [{ probe: { dir, key: 'unused' }, count: 1, ms: 1_500 }],
      });
      await eventually(() => readLines(dir, 'step-1').length > 0 || undefined, 60_000);
      worker.child.kill('SIGTERM');
      assert.equal(await worker.done, 0);
      const lines = readLines(dir, 'step-1');
      assert.deepEqual(
        lines.map((l) => [l.event, l.pid]),
        [
          ['start', worker.child.pid],
          ['done', worker.child.pid],
        ],
      );
      await client.temporal.workflow.getHandle(handle.workflowId).terminate('test cleanup');
    } finally {
      await client.close();
    }
  });

  test('BATON_HEALTH_FILE: rewritten every 5 s while the worker polls, with the API URL for `api start`, removed on exit', async () => {
    const dir = tempDir();
    const workerFile = path.join(dir, 'worker.json');
    const apiFile = path.join(dir, 'api.json');
    const worker = run(['worker', 'start', '--flows', FIXTURES, '--task-queue', uid('health')], { BATON_HEALTH_FILE: workerFile });
    const api = run(['api', 'start', '--flows', FIXTURES, '--port', String(await freePort())], { BATON_HEALTH_FILE: apiFile });
    try {
      const read = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as { roles: string[]; pid: number; at: string; apiUrl?: string };
      const first = await eventually(() => (fs.existsSync(workerFile) ? read(workerFile) : undefined), 60_000);
      assert.deepEqual([first.roles, first.pid, first.apiUrl], [['worker'], worker.child.pid, undefined]);
      const later = await eventually(() => (read(workerFile).at > first.at ? read(workerFile) : undefined), 15_000);
      assert.ok(Date.parse(later.at) - Date.parse(first.at) >= 4_000, 'rewritten about every 5 s');
      const apiRecord = await eventually(() => (fs.existsSync(apiFile) ? read(apiFile) : undefined), 60_000);
      assert.deepEqual(apiRecord.roles, ['api']);
      const health = await fetch(new URL('/api/health', apiRecord.apiUrl));
      assert.equal(health.status, 200);
    } finally {
      worker.child.kill('SIGTERM');
      api.child.kill('SIGTERM');
    }
    assert.deepEqual([await worker.done, await api.done], [0, 0]);
    assert.deepEqual([fs.existsSync(workerFile), fs.existsSync(apiFile)], [false, false]);
  });

  test('an unreachable Temporal server: a clear error and a non-zero exit', async () => {
    const port = await freePort();
    const worker = run(['worker', 'start', '--flows', FIXTURES], { TEMPORAL_ADDRESS: `127.0.0.1:${port}` });
    const code = await worker.done;
    assert.equal(code, 1);
    assert.match(worker.stderr(), new RegExp(`baton: Temporal at 127.0.0.1:${port} did not answer within \\d+ s`));
  });

  test('a bad flag is a usage error naming it, exit code 2', async () => {
    const worker = run(['worker', 'start', '--flows', FIXTURES, '--concurrency', 'lots'], {});
    assert.equal(await worker.done, 2);
    assert.match(worker.stderr(), /--concurrency must be a whole number ≥ 1, got 'lots'/);
  });
});
