import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestApi, type TestApi } from './api-helpers';
import { eventually, FIXTURES, ROOT, startWorker, tempDir, uid, type TestWorker } from './helpers';

function baton(args: string[], env: NodeJS.ProcessEnv, cwd = ROOT): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'baton.js'), ...args], { cwd, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += String(c)));
    child.stderr.on('data', (c) => (stderr += String(c)));
    child.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

describe('the baton CLI, end to end through the API', () => {
  let w: TestWorker;
  let api: TestApi;
  let env: NodeJS.ProcessEnv;
  const dir = tempDir();
  before(async () => {
    w = await startWorker();
    api = await startTestApi(w.client);
    env = { BATON_API_URL: api.base };
    // The deployments run on this test's task queue.
    const text = fs.readFileSync(path.join(FIXTURES, 'deploy', 'baton.yaml'), 'utf8').replace(/^( {2}- name: .*)$/gm, `$1\n    taskQueue: ${w.taskQueue}`);
    fs.writeFileSync(path.join(dir, 'baton.yaml'), text);
  });
  after(async () => {
    for (const name of ['cli-hello', 'cli-hello-weekly']) await api.call('DELETE', `/api/deployments/${name}`);
    await api.close();
    await w.stop();
  });

  test('deploy from baton.yaml, run with --watch, flow-run ls --json parses', async () => {
    const deployed = await baton(['deploy'], env, dir);
    assert.equal(deployed.code, 0, deployed.stderr);
    assert.match(deployed.stdout, /cli-hello\s+hello/);
    assert.match(deployed.stdout, /cli-hello-weekly\s+hello\s+0 9 \* \* MON Europe\/Paris,every 86400s\s+yes/);

    const run = await baton(['deployment', 'run', 'cli-hello', '--param', 'name=Grace', '--watch'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /greet-Grace: Completed/);
    assert.match(run.stdout, /flow run hello-Grace: Completed/);
    assert.match(run.stdout, /result: "hello Grace!"/);

    const ls = await baton(['flow-run', 'ls', '--deployment', 'cli-hello', '--json'], env);
    assert.equal(ls.code, 0, ls.stderr);
    const page = JSON.parse(ls.stdout) as { flowRuns: { runName: string; state: string; deployment: string }[] };
    assert.deepEqual(
      page.flowRuns.map((r) => [r.runName, r.state, r.deployment]),
      [['hello-Grace', 'Completed', 'cli-hello']],
    );
    // --name: runs whose run name starts with it.
    const named = await baton(['flow-run', 'ls', '--deployment', 'cli-hello', '--name', 'hello-G', '--json'], env);
    assert.equal(named.code, 0, named.stderr);
    assert.deepEqual(
      (JSON.parse(named.stdout) as { flowRuns: { runName: string }[] }).flowRuns.map((r) => r.runName),
      ['hello-Grace'],
    );
    const none = await baton(['flow-run', 'ls', '--deployment', 'cli-hello', '--name', 'Grace', '--json'], env);
    assert.deepEqual(JSON.parse(none.stdout).flowRuns, [], 'a prefix, not a substring');

    const inspect = await baton(['deployment', 'inspect', 'cli-hello-weekly', '--json'], env);
    assert.equal(JSON.parse(inspect.stdout).paused, true);
    const ls2 = await baton(['deployment', 'ls', '--tag', 'cli', '--json'], env);
    assert.equal(ls2.code, 0);
  });

  test('errors: a bad file changes nothing, a bad parameter names the field, unknown runs exit 1, bad flags exit 2', async () => {
    const bad = path.join(dir, 'bad.yaml');
    const name = uid('never');
    fs.writeFileSync(bad, `deployments:\n  - name: ${name}\n    flow: hello\n  - name: broken\n    flow: hello\n    schedules:\n      - cron: "0 25 * * *"\n`);
    const res = await baton(['deploy', '--file', bad], env);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /deployments\[1\]\.schedules\.0\.cron: hour 25 is outside 0-23/);
    assert.equal((await api.call('GET', `/api/deployments/${name}`)).status, 404, 'the good entry was not sent either');

    const param = await baton(['deployment', 'run', 'cli-hello', '--param', 'name=42'], env);
    assert.equal(param.code, 1);
    assert.match(param.stderr, /name: .*expected string/);

    const missing = await baton(['flow-run', 'inspect', 'no-such-run'], env);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no flow run with id 'no-such-run'/);

    const flag = await baton(['flow-run', 'ls', '--limit', 'many'], env);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /--limit must be a whole number ≥ 1, got 'many'/);

    const down = await baton(['deployment', 'ls'], { BATON_API_URL: 'http://127.0.0.1:9' });
    assert.equal(down.code, 1);
    assert.match(down.stderr, /cannot reach the Baton API at http:\/\/127\.0\.0\.1:9/);
  });

  test('flow run without a deployment: --param values as JSON or strings, --params-json, --watch prints the result', { timeout: 90_000 }, async () => {
    const tag = uid('cli-direct');
    const run = await baton(['flow', 'run', 'hello', '--params-json', '{"name": "Ada", "excited": false}', '--param', 'excited=true', '--tag', tag, '--watch'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /flow run hello-Ada: Completed/);
    assert.match(run.stdout, /greet-Ada: Completed/);
    assert.match(run.stdout, /result: "hello Ada!"/);
    const listed = (await api.call('GET', `/api/flow-runs?tag=${tag}`)).body.flowRuns as { flowName: string; deployment: string | null }[];
    assert.deepEqual(
      listed.map((r) => [r.flowName, r.deployment]),
      [['hello', null]],
    );

    // A value that is not JSON stays a string; the run name and idempotency key reach the API.
    const key = uid('cli-key');
    const args = ['flow', 'run', 'hello', '--param', 'name=Grace Hopper', '--run-name', 'grace', '--idempotency-key', key, '--json'];
    const first = await baton(args, env);
    assert.equal(first.code, 0, first.stderr);
    const started = JSON.parse(first.stdout) as { id: string; runName: string; created: boolean };
    assert.deepEqual([started.runName, started.created], ['grace', true]);
    assert.equal(await w.client.flowRuns.result(started.id), 'hello Grace Hopper.');
    const again = await baton(args.slice(0, -1), env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`already started flow run ${started.id} \\(grace\\)`));

    // A run that does not complete: --watch exits non-zero with the error.
    const probe = JSON.stringify([{ dir, key: 'refuses' }]);
    const failed = await baton(['flow', 'run', 'call-task', '--param', 'task=refuses', '--param', `args=${probe}`, '--param', 'catchErrors=false', '--watch'], env);
    assert.equal(failed.code, 1, failed.stdout);
    assert.match(failed.stdout, /: Failed/);
    assert.match(failed.stdout, /^error: .*bad input: no point retrying/m);

    const ls = await baton(['flow', 'ls', '--json'], env);
    assert.equal(ls.code, 0, ls.stderr);
    assert.ok((JSON.parse(ls.stdout) as { flows: { name: string }[] }).flows.some((f) => f.name === 'hello'));
  });

  test('flow run errors: a bad parameter names the field, an unknown flow exits 1, bad flags name the flag and exit 2', { timeout: 60_000 }, async () => {
    const param = await baton(['flow', 'run', 'hello', '--param', 'name=42'], env);
    assert.equal(param.code, 1);
    assert.match(param.stderr, /invalid parameters for flow 'hello': name: .*expected string/);
    const missingField = await baton(['flow', 'run', 'child-flow', '--param', 'a=1'], env);
    assert.equal(missingField.code, 1);
    assert.match(missingField.stderr, /b: .*expected number/);

    const unknown = await baton(['flow', 'run', 'no-such-flow'], env);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no flow named 'no-such-flow'/);

    const usage: [string[], RegExp][] = [
      [['flow', 'run', 'hello', '--param', 'novalue'], /--param 'novalue' must be key=value/],
      [['flow', 'run', 'hello', '--params-json', '{"name": '], /--params-json is not valid JSON/],
      [['flow', 'run', 'hello', '--params-json', '[1, 2]'], /--params-json must be a JSON object/],
      [['flow', 'run', 'hello', '--colour', 'red'], /Unknown option '--colour'/],
      [['flow', 'run', 'hello', '--run-name', ''], /--run-name must not be empty/],
      [['flow', 'run'], /missing <name>/],
      [['flow', 'walk'], /unknown command 'flow walk'/],
    ];
    for (const [args, message] of usage) {
      const res = await baton(args, env);
      assert.equal(res.code, 2, `${args.join(' ')}: ${res.stderr}`);
      assert.match(res.stderr, message, args.join(' '));
    }
    const bad = await baton(['flow', 'run', 'hello', '--param', 'name=x', '--at', 'tomorrow'], env);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /scheduledTime: must be an ISO 8601 date-time/);
  });

  test('cancel and retry from the CLI', async () => {
    const started = await baton(['deployment', 'run', 'cli-hello', '--param', 'name=Linus', '--json'], env);
    const { id } = JSON.parse(started.stdout) as { id: string };
    await w.client.flowRuns.result(id);
    const cancel = await baton(['flow-run', 'cancel', id], env);
    assert.equal(cancel.code, 1);
    assert.match(cancel.stderr, /already ended/);
    const retry = await baton(['flow-run', 'retry', id, '--watch'], env);
    assert.equal(retry.code, 0, retry.stderr);
    assert.match(retry.stdout, /result: "hello Linus!"/);
  });

  test('deployment pause, resume, backfill and delete from the CLI', async () => {
    const name = uid('cli-life');
    const deployed = await baton(
      ['deploy', '--name', name, '--flow', 'hello', '--interval', '3600', '--param', 'name=cli', '--task-queue', w.taskQueue, '--paused'],
      env,
    );
    assert.equal(deployed.code, 0, deployed.stderr);
    const resumed = await baton(['deployment', 'resume', name], env);
    assert.match(resumed.stdout, new RegExp(`deployment ${name} resumed`));
    assert.equal((await api.call('GET', `/api/deployments/${name}`)).body.paused, false);
    assert.match((await baton(['deployment', 'pause', name], env)).stdout, /paused/);
    const bf = await baton(['deployment', 'backfill', name, '--start', '2026-01-05T10:00:00Z', '--end', '2026-01-05T12:30:00Z'], env);
    assert.equal(bf.code, 0, bf.stderr);
    await eventually(async () => ((await api.call('GET', `/api/flow-runs?deployment=${name}`)).body.flowRuns.length === 3 ? true : undefined));
    const del = await baton(['deployment', 'delete', name], env);
    assert.equal(del.code, 0);
    const gone = await baton(['deployment', 'inspect', name], env);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /no deployment named/);
  });

  test('approvals from the CLI: ls --json, approve with --input, reject; flow-run pause and resume', async () => {
    const name = uid('cli-approve');
    await api.call('POST', '/api/deployments', { name, flow: 'approval-flow', taskQueue: w.taskQueue });
    const a = (await api.call('POST', `/api/deployments/${name}/runs`, { parameters: { release: 'cli' } })).body.id as string;
    const b = (await api.call('POST', `/api/deployments/${name}/runs`, { parameters: { release: 'cli-2' } })).body.id as string;
    const listed = await eventually(async () => {
      const ls = await baton(['approval', 'ls', '--deployment', name, '--json'], env);
      const page = JSON.parse(ls.stdout) as { approvals: { flowRunId: string; key: string }[] };
      return page.approvals.length === 2 ? page.approvals : undefined;
    });
    assert.deepEqual(
      listed.map((x) => x.key),
      ['ship', 'ship'],
    );

    const bad = await baton(['approval', 'approve', a, 'ship', '--input', 'reviewer=', '--input', 'priority=7'], env);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /input\.priority: Too big/);
    const inputFile = path.join(dir, 'input.json');
    fs.writeFileSync(inputFile, JSON.stringify({ reviewer: 'cli-user', priority: 4 }));
    const ok = await baton(['approval', 'approve', a, 'ship', '--input-file', inputFile, '--comment', 'from the terminal'], env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /ship on .*: approved by local/);
    const result = (await w.client.flowRuns.result(a)) as { answer: { input: unknown; comment: string } };
    assert.deepEqual(result.answer.input, { reviewer: 'cli-user', priority: 4 });
    assert.equal(result.answer.comment, 'from the terminal');

    const rejected = await baton(['approval', 'reject', b, 'ship'], env);
    assert.equal(rejected.code, 0, rejected.stderr);
    assert.equal(((await w.client.flowRuns.result(b)) as { shipped: boolean }).shipped, false);

    const pauseRun = (await api.call('POST', '/api/deployments', { name: uid('cli-pause'), flow: 'pause-flow', taskQueue: w.taskQueue })).body.name as string;
    const p = (await api.call('POST', `/api/deployments/${pauseRun}/runs`, {})).body.id as string;
    await eventually(async () => ((await api.call('GET', `/api/flow-runs/${p}`)).body.state === 'Paused' ? true : undefined));
    const resumed = await baton(['flow-run', 'resume', p, '--key', 'review'], env);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual(await w.client.flowRuns.result(p), { outcome: 'resumed', greeting: 'hello after pause.' });
    const late = await baton(['flow-run', 'pause', p], env);
    assert.equal(late.code, 1);
    assert.match(late.stderr, /already ended/);
  });

  test('baton cache clear', async () => {
    const out = await baton(['cache', 'clear', '--task', 'no-such-task'], env);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /removed 0 cached results/);
    const bad = await baton(['cache', 'clear', '--key', 'zzz'], env);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /key: must be a 64-character hex key/);
  });
});
