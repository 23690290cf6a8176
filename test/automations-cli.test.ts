/** `baton automation apply | ls | inspect | pause | resume | delete` against the API, as a user runs them. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestApi, type TestApi } from './api-helpers';
import { FIXTURES, ROOT, startWorker, tempDir, uid, type TestWorker } from './helpers';

function baton(args: string[], env: NodeJS.ProcessEnv, cwd = ROOT): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'baton.js'), ...args], { cwd, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('baton automation', () => {
  let w: TestWorker;
  let api: TestApi;
  const names = [uid('cli-auto'), uid('cli-burst')];
  before(async () => {
    w = await startWorker({ flows: path.join(FIXTURES, 'events') });
    api = await startTestApi(w.client);
  });
  after(async () => {
    for (const name of names) await api?.call('DELETE', `/api/automations/${name}`).catch(() => undefined);
    await api?.close();
    await w?.stop();
  });

  test('apply from baton.yaml, ls, inspect, pause, resume, delete; a bad file names the entry and field and applies nothing', { timeout: 90_000 }, async () => {
    const env = { BATON_API_URL: api.base };
    const dir = tempDir();
    const file = path.join(dir, 'baton.yaml');
    fs.writeFileSync(
      file,
      [
        'automations:',
        `  - name: ${names[0]}`,
        '    trigger: { type: event, match: "github.issues.*", payload: { "issue.state": open } }',
        '    actions:',
        '      - { type: run-deployment, deployment: triage, parameters: { url: "{{payload.issue.html_url}}" } }',
        `  - name: ${names[1]}`,
        '    trigger: { type: threshold, match: "alert.*", count: 5, withinSeconds: 60 }',
        '    actions: [{ type: pause-deployment, deployment: triage }]',
      ].join('\n'),
    );
    const applied = await baton(['automation', 'apply', '--file', file], env);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, new RegExp(`${names[0]}\\s+github\\.issues\\.\\*\\s+run-deployment\\s+no`));
    assert.match(applied.stdout, new RegExp(`${names[1]}\\s+5 × alert\\.\\* in 60s\\s+pause-deployment`));

    const ls = await baton(['automation', 'ls', '--json'], env);
    assert.equal(ls.code, 0, ls.stderr);
    const listed = (JSON.parse(ls.stdout) as { automations: { name: string }[] }).automations.map((a) => a.name);
    assert.ok(names.every((n) => listed.includes(n)));

    const inspect = await baton(['automation', 'inspect', names[1]!], env);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.match(inspect.stdout, /fired:\s+0/);
    assert.match(inspect.stdout, /action:\s+\{"type":"pause-deployment","deployment":"triage"\}/);

    const paused = await baton(['automation', 'pause', names[0]!], env);
    assert.equal(paused.stdout.trim(), `automation ${names[0]} paused`);
    assert.equal((await api.call('GET', `/api/automations/${names[0]}`)).body.paused, true);
    const resumed = await baton(['automation', 'resume', names[0]!], env);
    assert.equal(resumed.stdout.trim(), `automation ${names[0]} resumed`);

    const missing = await baton(['automation', 'inspect', uid('nope')], env);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no automation named/);

    fs.writeFileSync(
      file,
      `automations:\n  - name: ${uid('bad')}\n    trigger: { type: threshold, match: "a", count: 0, withinSeconds: 1 }\n    actions: [{ type: launch }]\n`,
    );
    const bad = await baton(['automation', 'apply', '--file', file], env);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /automations\[0\]\.trigger\.count/);
    assert.match(bad.stderr, /automations\[0\]\.actions\.0\.type/);

    const deleted = await baton(['automation', 'delete', names[1]!], env);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal((await api.call('GET', `/api/automations/${names[1]}`)).status, 404);
    const usage = await baton(['automation', 'launch'], env);
    assert.equal(usage.code, 2);
  });
});
