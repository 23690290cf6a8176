/**
 * Artifacts: created from tasks and flows, read per run and per key (the API, the CLI), progress
 * read while the run goes on, a retried task's artifact replaced, bad input refused where it is made.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ARTIFACT_MAX_BYTES } from '../src/core/artifacts';
import type { FlowRunArtifact } from '../src/core/schemas';
import { startTestApi, type TestApi } from './api-helpers';
import { eventually, FIXTURES, ROOT, startWorker, uid, type TestWorker } from './helpers';

const ARTIFACTS = path.join(FIXTURES, 'artifacts');

function baton(args: string[], apiUrl: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'baton.js'), ...args], { cwd: ROOT, env: { ...process.env, BATON_API_URL: apiUrl } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

describe('artifacts', { timeout: 240_000 }, () => {
  let w: TestWorker;
  let api: TestApi;
  before(async () => {
    w = await startWorker({ flows: ARTIFACTS });
    api = await startTestApi(w.client);
  });
  after(async () => {
    await api?.close();
    await w?.stop();
  });

  const ofRun = async (id: string): Promise<FlowRunArtifact[]> => {
    const res = await api.call('GET', `/api/flow-runs/${id}/artifacts`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.artifacts;
  };

  test('every type from a task, and markdown and progress from the flow, listed for the run with their data', async () => {
    const key = uid('report');
    const run = await w.client.flowRuns.start('artifacts-every-type', { key });
    assert.equal(await run.result(), 'done');
    const artifacts = await ofRun(run.id);
    const taskRunId = artifacts[0]!.task!.taskRunId;
    assert.deepEqual(
      artifacts.map((a) => [a.id.replace(taskRunId, 'task'), a.type, a.key ?? null, a.data, a.description ?? null, a.task?.taskName ?? 'flow', a.flowRunId]),
      [
        ['task#1', 'markdown', key, `# Report ${key}`, 'the weekly report', 'artifacts-report-all', run.id],
        [
          'task#2',
          'table',
          null,
          [
            { region: 'eu', sales: 3 },
            { region: 'us', sales: 5 },
          ],
          null,
          'artifacts-report-all',
          run.id,
        ],
        ['task#3', 'link', null, 'https://example.com/dashboard', 'dashboard', 'artifacts-report-all', run.id],
        ['task#4', 'image', null, 'https://example.com/chart.png', null, 'artifacts-report-all', run.id],
        ['task#5', 'progress', `${key}-progress`, 100, null, 'artifacts-report-all', run.id],
        ['flow:1', 'markdown', `${key}-summary`, `flow summary for ${key}`, null, 'flow', run.id],
        ['flow:2', 'progress', null, 100, null, 'flow', run.id],
      ],
    );
    // The client reads the same.
    assert.deepEqual(await w.client.artifacts.forFlowRun(run.id), artifacts);
  });

  test('a keyed artifact made by two runs has two versions, latest first (the API, ls and inspect)', async () => {
    const key = uid('weekly');
    const first = await w.client.flowRuns.start('artifacts-every-type', { key });
    await first.result();
    const second = await w.client.flowRuns.start('artifacts-every-type', { key });
    await second.result();
    // Visibility is eventually consistent: both runs are listed by their key soon.
    const versions = await eventually(async () => {
      const res = await api.call('GET', `/api/artifacts?key=${key}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.versions.length === 2 ? (res.body.versions as FlowRunArtifact[]) : undefined;
    });
    assert.deepEqual(
      versions.map((v) => [v.flowRunId, v.key, v.data]),
      [
        [second.id, key, `# Report ${key}`],
        [first.id, key, `# Report ${key}`],
      ],
    );

    const ls = await baton(['artifact', 'ls', '--key', key], api.base);
    assert.equal(ls.code, 0, ls.stderr);
    const rows = ls.stdout.trim().split('\n');
    assert.match(rows[0]!, /^KEY\s+TYPE\s+RUN\s+BY\s+DATA\s+UPDATED$/);
    assert.equal(rows.length, 3);
    assert.ok(rows[1]!.includes(second.id) && rows[1]!.includes(`# Report ${key}`), rows[1]);
    assert.ok(rows[2]!.includes(first.id), rows[2]);

    const byRun = await baton(['artifact', 'ls', '--flow-run', first.id], api.base);
    assert.equal(byRun.code, 0, byRun.stderr);
    assert.match(byRun.stdout, /progress\s+\S+\s+artifacts-report-all\s+\[#{20}\] 100%/);
    assert.match(byRun.stdout, /table\s+\S+\s+artifacts-report-all\s+2 rows/);

    const inspect = await baton(['artifact', 'inspect', key], api.base);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.match(inspect.stdout, new RegExp(`^${key}: 2 versions, latest first`));
    assert.ok(inspect.stdout.indexOf(`version 2  markdown  run ${second.id}`) < inspect.stdout.indexOf(`version 1  markdown  run ${first.id}`), inspect.stdout);

    const bad = await baton(['artifact', 'inspect', 'Not-A-Key'], api.base);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /key must be 1-100 lowercase letters, digits or dashes, got 'Not-A-Key'/);
    const badQuery = await api.call('GET', '/api/artifacts?key=Bad%20Key');
    assert.equal(badQuery.status, 400);
    assert.match(JSON.stringify(badQuery.body), /key/);
  });

  test('progress reads its last value while the run goes on and after it ends', async () => {
    const run = await w.client.flowRuns.start('artifacts-progressing', { last: 75, holdSeconds: 3 });
    const seen = await eventually(async () => {
      const [a] = await ofRun(run.id);
      return a?.data === 75 ? a : undefined;
    }, 15_000);
    assert.equal(seen.type, 'progress');
    assert.equal(seen.description, 'loading');
    assert.equal((await w.client.flowRuns.get(run.id)).state, 'Running', 'read while the run still goes on');
    assert.equal(await run.result(), 'done');
    const afterEnd = await ofRun(run.id);
    assert.deepEqual(
      afterEnd.map((a) => [a.type, a.data]),
      [['progress', 75]],
    );
    assert.ok(afterEnd[0]!.updatedAt > afterEnd[0]!.createdAt);
  });

  test("baton flow-run watch --progress: a bar each time progress moves, then the run's end", async () => {
    const run = await w.client.flowRuns.start('artifacts-progressing', { last: 100, holdSeconds: 1 });
    const watched = await baton(['flow-run', 'watch', run.id, '--progress'], api.base);
    assert.equal(watched.code, 0, watched.stderr);
    const lines = watched.stdout.trim().split('\n');
    assert.equal(lines.at(-1), `flow run ${run.id}: Completed`);
    assert.equal(lines.at(-2), `loading [${'#'.repeat(20)}] 100%`);
    for (const line of lines.slice(0, -1)) assert.match(line, /^loading \[#* *\] \d+%$/);
  });

  test('a run no worker can answer for is named in unavailableRuns; the versions of the runs that answer still come', { timeout: 90_000 }, async () => {
    const key = uid('gone');
    const gone = await startWorker({ flows: ARTIFACTS, taskQueue: uid('artifacts-gone') });
    let first: { id: string };
    try {
      const run = await gone.client.flowRuns.start('artifacts-every-type', { key });
      await run.result();
      first = run;
    } finally {
      await gone.stop();
    }
    const second = await w.client.flowRuns.start('artifacts-every-type', { key });
    await second.result();
    const found = await eventually(async () => {
      const res = await api.call('GET', `/api/artifacts?key=${key}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.versions.length + res.body.unavailableRuns.length === 2 ? res.body : undefined;
    }, 30_000);
    assert.deepEqual(
      (found.versions as FlowRunArtifact[]).map((v) => v.flowRunId),
      [second.id],
    );
    assert.deepEqual(found.unavailableRuns, [first.id]);
    const inspect = await baton(['artifact', 'inspect', key], api.base);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.match(inspect.stdout, new RegExp(`^${key}: 1 version, latest first`));
    assert.match(
      inspect.stderr,
      new RegExp(`1 run with this key did not answer in time \\(no worker of its flow, or a busy one\\), so its versions are missing: ${first.id}`),
    );
    const ls = await baton(['artifact', 'ls', '--key', key, '--json'], api.base);
    assert.equal(ls.code, 0, ls.stderr);
    assert.deepEqual(JSON.parse(ls.stdout).unavailableRuns, [first.id]);
  });

  test("a retried task's artifact is replaced by the attempt that ran again: one artifact, naming attempt 2", async () => {
    const key = uid('flaky');
    const run = await w.client.flowRuns.start('artifacts-flaky', { key });
    assert.equal(await run.result(), 2);
    const artifacts = await ofRun(run.id);
    assert.deepEqual(
      artifacts.map((a) => [a.key, a.data, a.task?.attempt]),
      [[key, 'attempt 2', 2]],
    );
    const versions = await eventually(async () => {
      const found = await w.client.artifacts.versions(key);
      return found.versions.length ? found.versions : undefined;
    });
    assert.deepEqual(
      versions.map((v) => v.data),
      ['attempt 2'],
    );
  });

  test('a bad key, an oversized artifact and progress out of range: a clear error where each is created, nothing stored', async () => {
    const run = await w.client.flowRuns.start('artifacts-bad-input', {});
    const result = (await run.result()) as { fromTask: string[]; fromFlow: string[] };
    assert.equal(result.fromTask.length, 3);
    assert.equal(result.fromTask[0], `ArtifactError: artifact key "Not A Key" is invalid: use 1-100 lowercase letters, digits or dashes`);
    assert.match(
      result.fromTask[1]!,
      new RegExp(`^ArtifactError: artifact is \\d+ bytes as JSON; the most is ${ARTIFACT_MAX_BYTES}: store it elsewhere and link to it$`),
    );
    assert.equal(result.fromTask[2], 'ArtifactError: progress must be a number from 0 to 100 (got 101)');
    assert.deepEqual(result.fromFlow, [
      'ArtifactError: link artifact: url must be an http(s) URL',
      'ArtifactError: artifact key "UPPER" is invalid: use 1-100 lowercase letters, digits or dashes',
    ]);
    assert.deepEqual(await ofRun(run.id), []);
  });

  test('a run no worker has taken up has no artifacts yet: 200 with none, at once (no query waits for a worker)', async () => {
    const started = await w.client.flowRuns.start('artifacts-every-type', { key: uid('nobody') }, { taskQueue: uid('no-worker') });
    try {
      const began = Date.now();
      const res = await api.call('GET', `/api/flow-runs/${started.id}/artifacts`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body.artifacts, []);
      assert.ok(Date.now() - began < 5_000, `answered in ${Date.now() - began} ms`);
    } finally {
      await w.client.temporal.workflow
        .getHandle(started.id)
        .terminate('test cleanup')
        .catch(() => undefined);
    }
  });

  test('an unknown run: 404 naming it', async () => {
    const missing = uid('missing');
    const res = await api.call('GET', `/api/flow-runs/${missing}/artifacts`);
    assert.equal(res.status, 404);
    assert.match(res.body.error.message, new RegExp(missing));
  });
});
