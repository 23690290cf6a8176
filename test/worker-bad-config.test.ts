import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT } from './helpers';

// A worker with a bad configuration says why and exits at once, even when Temporal is reachable.
test('a worker started with an invalid configuration exits non-zero at once, naming the variable', { timeout: 60_000 }, async () => {
  const started = Date.now();
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'baton.js'), 'worker', 'start', '--flows', 'examples/quickstart'], {
    cwd: ROOT,
    env: { ...process.env, BATON_CACHE_STORE: 'redis', BATON_REDIS_URL: '' },
  });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += String(c)));
  child.stdout.on('data', (c) => (stderr += String(c)));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(null);
    }, 30_000);
    child.on('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  assert.notEqual(code, null, `the worker did not exit within 30 s: ${stderr.slice(-500)}`);
  assert.notEqual(code, 0);
  assert.match(stderr, /BATON_REDIS_URL/);
  assert.ok(Date.now() - started < 30_000);
});
