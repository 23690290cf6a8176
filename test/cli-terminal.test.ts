import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, test } from 'node:test';
import { terminalSafe } from '../src/cli/output';
import { workerAndApi } from './api-helpers';
import { ROOT } from './helpers';

function baton(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'baton.js'), ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += String(c)));
    child.stderr.on('data', (c) => (stderr += String(c)));
    child.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

// Retitles the terminal, rings the bell, clears the screen, and moves the cursor with a C1 CSI.
const HOSTILE = 'report\u001b]0;pwned\u0007\u001b[2J\u009b2K';

describe('the CLI never prints control characters from runs raw', { timeout: 120_000 }, () => {
  const t = workerAndApi();

  test('terminalSafe shows control characters as \\u escapes and keeps text, tabs and newlines', () => {
    assert.equal(terminalSafe(HOSTILE), 'report\\u001b]0;pwned\\u0007\\u001b[2J\\u009b2K');
    assert.equal(terminalSafe('tab\there\nnext line é ✓'), 'tab\there\nnext line é ✓');
  });

  test('a run name with escape sequences is printed escaped by ls and inspect', async () => {
    const started = await t.api.call('POST', '/api/flows/hello/runs', { parameters: { name: 'esc' }, runName: HOSTILE });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    await t.w.client.flowRuns.result(started.body.id);
    const env = { BATON_API_URL: t.api.base };
    for (const args of [
      ['flow-run', 'ls', '--flow', 'hello'],
      ['flow-run', 'inspect', started.body.id],
    ]) {
      const out = await baton(args, env);
      assert.equal(out.code, 0, out.stderr);
      assert.ok(out.stdout.includes('report\\u001b]0;pwned\\u0007'), `${args.join(' ')} shows the name escaped`);
      // eslint-disable-next-line no-control-regex
      assert.doesNotMatch(out.stdout, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/, `${args.join(' ')} prints no control character`);
    }
    // --json stays JSON: the name comes back exactly.
    const json = await baton(['flow-run', 'inspect', started.body.id, '--json'], env);
    assert.equal(JSON.parse(json.stdout).runName, HOSTILE);
  });
});
