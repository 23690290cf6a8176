/**
 * Variables: set, read, listed and removed through the API, the CLI and the client; read in task
 * code and in flow code (and the flow's read replays from its history); bad input refused where it
 * is given, changing nothing; the store keeps its variables when it continues as new.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Worker } from '@temporalio/worker';
import { loadConfig } from '../src/config';
import { ConflictError, NotFoundError, ValidationError } from '../src/core/errors';
import { VARIABLE_MAX_BYTES, VARIABLES_WORKFLOW, VARIABLES_WORKFLOW_ID, type Variable } from '../src/core/variables';
import { getVariable } from '../src';
import { replayWorkerOptions } from '../src/workers/replay';
import { startTestApi, type TestApi } from './api-helpers';
import { FIXTURES, ROOT, startWorker, uid, type TestWorker } from './helpers';

const VARIABLES = path.join(FIXTURES, 'variables');

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

/** A fresh variable name for one test. */
const varName = (prefix: string) => uid(prefix).replace(/[^a-z0-9_-]/g, '_');

describe('variables', { timeout: 300_000 }, () => {
  let w: TestWorker;
  let api: TestApi;
  before(async () => {
    w = await startWorker({ flows: VARIABLES });
    // The store is one workflow per namespace, kept on the task queue it was first written from:
    // one another test file left behind runs on a queue no worker polls any more.
    await w.client.temporal.workflow
      .getHandle(VARIABLES_WORKFLOW_ID)
      .terminate('a new test file keeps the variables store on its own task queue')
      .catch(() => undefined);
    api = await startTestApi(w.client);
  });
  after(async () => {
    await api?.close();
    await w?.client.temporal.workflow
      .getHandle(VARIABLES_WORKFLOW_ID)
      .terminate('test over')
      .catch(() => undefined);
    await w?.stop();
  });

  test('through the API: create (201), read, replace (200) keeping tags, conditional writes (409), list, delete (204), then 404', { timeout: 60_000 }, async () => {
    const name = varName('api');
    const created = await api.call('PUT', `/api/variables/${name}`, { value: { url: 'https://crm.example.com', retries: 3 }, tags: ['crm'] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(
      [created.body.name, created.body.value, created.body.tags, created.body.version],
      [name, { url: 'https://crm.example.com', retries: 3 }, ['crm'], 1],
    );
    assert.equal(created.body.createdAt, created.body.updatedAt);

    const read = await api.call('GET', `/api/variables/${name}`);
    assert.equal(read.status, 200);
    assert.deepEqual(read.body, created.body);

    const replaced = await api.call('PUT', `/api/variables/${name}`, { value: 'plain text' });
    assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
    assert.deepEqual([replaced.body.value, replaced.body.tags, replaced.body.version, replaced.body.createdAt], ['plain text', ['crm'], 2, created.body.createdAt]);
    assert.ok(replaced.body.updatedAt >= created.body.updatedAt);

    const refused = await api.call('PUT', `/api/variables/${name}`, { value: 1, overwrite: false });
    assert.equal(refused.status, 409);
    assert.match(refused.body.error.message, new RegExp(`variable '${name}' already exists \\(version 2\\)`));
    const stale = await api.call('PUT', `/api/variables/${name}`, { value: 1, ifVersion: 1 });
    assert.equal(stale.status, 409);
    assert.match(stale.body.error.message, /is at version 2, not version 1/);
    const current = await api.call('PUT', `/api/variables/${name}`, { value: null, ifVersion: 2, tags: [] });
    assert.equal(current.status, 200, JSON.stringify(current.body));
    assert.deepEqual([current.body.value, current.body.tags, current.body.version], [null, [], 3]);

    const listed = await api.call('GET', '/api/variables');
    assert.equal(listed.status, 200);
    assert.deepEqual(
      listed.body.variables.find((v: Variable) => v.name === name),
      current.body,
    );
    const names = listed.body.variables.map((v: Variable) => v.name);
    assert.deepEqual(names, [...names].sort(), 'listed by name');

    assert.equal((await api.call('DELETE', `/api/variables/${name}?ifVersion=2`)).status, 409);
    assert.equal((await api.call('DELETE', `/api/variables/${name}`)).status, 204);
    const gone = await api.call('GET', `/api/variables/${name}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error.message, `no variable named '${name}'`);
    assert.equal((await api.call('DELETE', `/api/variables/${name}`)).status, 404);
    assert.ok(!(await api.call('GET', '/api/variables')).body.variables.some((v: Variable) => v.name === name));
    // Created again, it goes on counting from the deleted one's version, so a version read before
    // the delete never matches the new variable.
    const beforeDelete = await api.call('PUT', `/api/variables/${name}`, { value: 0, ifVersion: 1 });
    assert.equal(beforeDelete.status, 409, 'no variable: no version matches');
    const again = await api.call('PUT', `/api/variables/${name}`, { value: 0 });
    assert.deepEqual([again.status, again.body.version], [201, 4]);
    assert.equal((await api.call('PUT', `/api/variables/${name}`, { value: 1, ifVersion: 3 })).status, 409, "the deleted variable's version");
  });

  test('bad input through the API and the client: named, refused, and nothing changes', { timeout: 60_000 }, async () => {
    const name = varName('keep');
    const kept = (await api.call('PUT', `/api/variables/${name}`, { value: { v: 1 }, tags: ['a'] })).body as Variable;
    const before = (await api.call('GET', '/api/variables')).body.variables as Variable[];
    const history = async () => (await w.client.temporal.workflow.getHandle(VARIABLES_WORKFLOW_ID).fetchHistory()).events?.length ?? 0;
    const eventsBefore = await history();

    const bad: [string, string, unknown, RegExp][] = [
      ['PUT', '/api/variables/Upper_Case', { value: 1 }, /path: name: must be 1-255 lowercase letters, digits, underscores or dashes/],
      ['PUT', `/api/variables/${'n'.repeat(256)}`, { value: 1 }, /path: name: must be 1-255/],
      ['PUT', '/api/variables/dotted.name', { value: 1 }, /path: name/],
      ['GET', '/api/variables/Nope', undefined, /path: name/],
      ['DELETE', '/api/variables/has%20space', undefined, /path: name/],
      [
        'PUT',
        `/api/variables/${name}`,
        { value: 'x'.repeat(VARIABLE_MAX_BYTES) },
        new RegExp(`body: value: must be at most ${VARIABLE_MAX_BYTES} bytes as JSON, got ${VARIABLE_MAX_BYTES + 2}`),
      ],
      ['PUT', `/api/variables/${name}`, {}, /body: value: is required/],
      ['PUT', `/api/variables/${name}`, { value: 1, colour: 'red' }, /body: .*colour/],
      ['PUT', `/api/variables/${name}`, { value: 1, tags: 'a' }, /body: tags/],
      ['PUT', `/api/variables/${name}`, { value: 1, tags: [''] }, /body: tags/],
      ['PUT', `/api/variables/${name}`, { value: 1, ifVersion: 0 }, /body: ifVersion: must be a whole number ≥ 1/],
      ['PUT', `/api/variables/${name}`, { value: 1, overwrite: 'yes' }, /body: overwrite/],
      ['PUT', `/api/variables/${name}`, '{"value": {"a": 1', /JSON/],
      ['DELETE', `/api/variables/${name}?ifVersion=zero`, undefined, /query: ifVersion: must be a whole number ≥ 1/],
    ];
    for (const [method, url, body, message] of bad) {
      const res = await api.call(method, url, body);
      assert.equal(res.status, 400, `${method} ${url}: ${JSON.stringify(res.body)}`);
      assert.match(res.body.error.message, message, `${method} ${url}`);
    }
    await assert.rejects(w.client.variables.set('Bad Name', 1), (err: unknown) => err instanceof ValidationError && /name: must be 1-255/.test(err.message));
    await assert.rejects(w.client.variables.set(name, undefined as never), /value: is required/);
    await assert.rejects(w.client.variables.set(name, (() => 1) as never), /value: must be JSON: value is a function, not JSON/);
    await assert.rejects(w.client.variables.set(name, { at: new Date() } as never), /value: must be JSON: at is a Date, not plain JSON/);
    await assert.rejects(w.client.variables.set(name, { n: Number.NaN }), /value: must be JSON: n is NaN/);
    await assert.rejects(w.client.variables.set(name, ['é'.repeat(VARIABLE_MAX_BYTES / 2)]), /must be at most 65536 bytes as JSON, got 65540/);
    await assert.rejects(w.client.variables.get('UPPER'), ValidationError);
    await assert.rejects(w.client.variables.delete(varName('never')), (err: unknown) => err instanceof NotFoundError && /no variable named/.test(err.message));
    await assert.rejects(w.client.variables.set(name, 2, { overwrite: false }), ConflictError);

    // Nothing changed: the same variables, and the store's history holds no event for any refusal.
    assert.deepEqual((await api.call('GET', '/api/variables')).body.variables, before);
    assert.deepEqual((await api.call('GET', `/api/variables/${name}`)).body, kept);
    assert.equal(await history(), eventsBefore, 'refused writes leave no event in the store');
  });

  test('through the CLI: set (JSON or text; --overwrite to replace), get, ls, inspect, unset; bad input exits 2', { timeout: 90_000 }, async () => {
    const name = varName('cli');
    const text = varName('cli_text');
    const set = await baton(['variable', 'set', name, '{"limit": 5, "regions": ["eu"]}', '--tag', 'ops'], api.base);
    assert.equal(set.code, 0, set.stderr);
    assert.equal(set.stdout.trim(), `set variable '${name}' (version 1)`);
    assert.equal((await baton(['variable', 'set', text, 'hello world'], api.base)).code, 0);
    assert.deepEqual((await w.client.variables.get(text))?.value, 'hello world');

    const again = await baton(['variable', 'set', name, '7'], api.base);
    assert.equal(again.code, 1);
    assert.match(again.stderr, new RegExp(`variable '${name}' already exists; use --overwrite to replace it`));
    assert.deepEqual((await w.client.variables.get(name))?.value, { limit: 5, regions: ['eu'] }, 'unchanged');
    const overwritten = await baton(['variable', 'set', name, '{"limit": 6, "regions": ["eu"]}', '--overwrite'], api.base);
    assert.equal(overwritten.code, 0, overwritten.stderr);
    assert.equal(overwritten.stdout.trim(), `set variable '${name}' (version 2)`);

    const got = await baton(['variable', 'get', name], api.base);
    assert.equal(got.code, 0, got.stderr);
    assert.deepEqual(JSON.parse(got.stdout), { limit: 6, regions: ['eu'] });
    assert.equal((await baton(['variable', 'get', text], api.base)).stdout, 'hello world\n');

    const ls = await baton(['variable', 'ls'], api.base);
    assert.equal(ls.code, 0, ls.stderr);
    const rows = ls.stdout.trim().split('\n');
    assert.match(rows[0]!, /^NAME\s+VALUE\s+TAGS\s+VERSION\s+UPDATED$/);
    assert.ok(
      rows.some((r) => r.startsWith(name) && r.includes('{"limit":6,"regions":["eu"]}') && /\bops\b/.test(r) && /\s2\s/.test(r)),
      ls.stdout,
    );

    const inspect = await baton(['variable', 'inspect', name], api.base);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.match(inspect.stdout, new RegExp(`^name:\\s+${name}\\nversion:\\s+2\\ntags:\\s+ops\\n`));
    assert.match(inspect.stdout, /value:\n\{\n {2}"limit": 6,/);
    const asJson = await baton(['variable', 'inspect', name, '--json'], api.base);
    assert.equal((JSON.parse(asJson.stdout) as Variable).version, 2);

    const unset = await baton(['variable', 'unset', name], api.base);
    assert.equal(unset.code, 0, unset.stderr);
    assert.equal(await w.client.variables.get(name), undefined);
    const missing = await baton(['variable', 'get', name], api.base);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, new RegExp(`no variable named '${name}'`));
    assert.equal((await baton(['variable', 'unset', name], api.base)).code, 1);

    const badName = await baton(['variable', 'set', 'Bad.Name', '1'], api.base);
    assert.equal(badName.code, 2);
    assert.match(badName.stderr, /<name> must be 1-255 lowercase letters, digits, underscores or dashes, got 'Bad.Name'/);
    const badJson = await baton(['variable', 'set', name, '{"limit": 5'], api.base);
    assert.equal(badJson.code, 2);
    assert.match(badJson.stderr, /<value> looks like JSON but does not parse/);
    const tooBig = await baton(['variable', 'set', name, 'x'.repeat(VARIABLE_MAX_BYTES)], api.base);
    assert.equal(tooBig.code, 1);
    assert.match(tooBig.stderr, /value: must be at most 65536 bytes as JSON/);
    assert.equal(await w.client.variables.get(name), undefined, 'nothing was set');
  });

  test("read in flow code and in a task; the flow's read is in its history and replays after the value changed", { timeout: 120_000 }, async () => {
    const name = varName('flow');
    const missing = varName('missing');
    await w.client.variables.set(name, { threshold: 10 });
    const run = await w.client.flowRuns.start('variables-read', { name, missing });
    assert.deepEqual(await run.result(), { inFlow: { threshold: 10 }, inTask: { threshold: 10 }, fallback: { default: true }, without: 'undefined' });

    const history = await w.client.temporal.workflow.getHandle(run.id).fetchHistory();
    // A local activity's marker names its activity type in its details.
    const markers = (history.events ?? []).filter((e) =>
      Object.values(e.markerRecordedEventAttributes?.details ?? {}).some((d) =>
        (d.payloads ?? []).some((p) =>
          Buffer.from(p.data ?? [])
            .toString()
            .includes('baton.get-variable'),
        ),
      ),
    );
    assert.equal(markers.length, 3, 'each flow read is a local activity marker in the history');
    // The store's value changes; replaying the run reads the value its history recorded.
    await w.client.variables.set(name, { threshold: 99 });
    const options = await replayWorkerOptions({ flows: VARIABLES, config: loadConfig() });
    await Worker.runReplayHistory(options, history, run.id);
    const rerun = await w.client.flowRuns.start('variables-read', { name, missing });
    assert.deepEqual(((await rerun.result()) as { inFlow: unknown }).inFlow, { threshold: 99 });
  });

  test('a bad name in flow code fails the run with the reason; getVariable from baton outside a task says where it belongs', { timeout: 60_000 }, async () => {
    const run = await w.client.flowRuns.start('variables-bad-name', {});
    await assert.rejects(run.result(), /name: must be 1-255 lowercase letters, digits, underscores or dashes, got 'Not A Name'/);
    await assert.rejects(
      getVariable('anything'),
      /getVariable\(\) from 'baton' reads through a worker's client, in task code; in a flow, import it from 'baton\/workflows'/,
    );
  });

  test('a store whose task queue no worker polls: reads and writes answer 503 WORKER_UNAVAILABLE, saying why', { timeout: 90_000 }, async () => {
    const handle = w.client.temporal.workflow.getHandle(VARIABLES_WORKFLOW_ID);
    await handle.terminate('a store on a queue nobody polls').catch(() => undefined);
    await w.client.temporal.workflow.start(VARIABLES_WORKFLOW, { workflowId: VARIABLES_WORKFLOW_ID, taskQueue: uid('no-worker'), args: [{}] });
    try {
      for (const [method, body] of [
        ['GET', undefined],
        ['PUT', { value: 1 }],
      ] as const) {
        const started = Date.now();
        const res = await api.call(method, `/api/variables/${varName('unserved')}`, body);
        assert.equal(res.status, 503, `${method}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error.code, 'WORKER_UNAVAILABLE');
        assert.match(
          res.body.error.message,
          /no worker answered for the variables store 'baton-variables' within 8 s: it is kept by a workflow on the task queue it was first written from/,
        );
        assert.ok(Date.now() - started < 9_500, `answered within the store's wait (${Date.now() - started} ms)`);
      }
    } finally {
      await handle.terminate('test over').catch(() => undefined);
    }
  });

  test('the store continues as new with its variables, and writes go on from the versions they had', { timeout: 120_000 }, async () => {
    const handle = w.client.temporal.workflow.getHandle(VARIABLES_WORKFLOW_ID);
    await handle.terminate('start the store with a short history').catch(() => undefined);
    const started = await w.client.temporal.workflow.start(VARIABLES_WORKFLOW, {
      workflowId: VARIABLES_WORKFLOW_ID,
      taskQueue: w.taskQueue,
      args: [{ continueAfterEvents: 30 }],
    });
    const name = varName('can');
    const other = varName('can_other');
    const dropped = varName('can_dropped');
    await w.client.variables.set(dropped, 'a');
    await w.client.variables.set(dropped, 'b');
    await w.client.variables.delete(dropped);
    await w.client.variables.set(other, 'kept', { tags: ['x'] });
    for (let i = 1; i <= 8; i++) await w.client.variables.set(name, i);
    const { runId } = await handle.describe();
    assert.notEqual(runId, started.firstExecutionRunId, 'the store continued as new');
    assert.deepEqual([(await w.client.variables.get(name))?.value, (await w.client.variables.get(name))?.version], [8, 8]);
    const kept = await w.client.variables.get(other);
    assert.deepEqual([kept?.value, kept?.tags, kept?.version], ['kept', ['x'], 1]);
    assert.equal((await w.client.variables.set(name, 9)).version, 9);
    assert.equal((await w.client.variables.set(dropped, 'c')).version, 3, "a deleted name's last version is carried over too");
  });
});
