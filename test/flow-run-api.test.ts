import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorBody, FlowRun, StartedRun } from '../src/core/schemas';
import { workerAndApi } from './api-helpers';
import { eventually, uid } from './helpers';

describe('POST /api/flows/:name/runs: a flow run without a deployment', () => {
  const t = workerAndApi();
  const get = async (id: string) => FlowRun.parse((await t.api.call('GET', `/api/flow-runs/${id}`)).body);

  test('201 with the started run; parameters, run name and tags reach the run; it completes', { timeout: 60_000 }, async () => {
    const tag = uid('direct');
    const res = await t.api.call('POST', '/api/flows/hello/runs', { parameters: { name: 'Ada', excited: true }, runName: 'greet-ada', tags: [tag] });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const started = StartedRun.parse(res.body);
    assert.deepEqual({ ...started, id: '' }, { id: '', flowName: 'hello', runName: 'greet-ada', webUrl: started.webUrl, created: true });
    assert.match(started.id, /^hello-/);
    assert.equal(await t.w.client.flowRuns.result(started.id), 'hello Ada!');
    const run = await get(started.id);
    assert.equal(run.state, 'Completed');
    assert.equal(run.runName, 'greet-ada');
    assert.ok(run.tags.includes(tag), `tags ${run.tags}`);
    assert.equal(run.deployment, undefined, 'no deployment');
    assert.deepEqual(run.parameters, { name: 'Ada', excited: true });
    // Without a run name the flow's template names it, as for any run.
    const named = await t.api.call('POST', '/api/flows/child-flow/runs', { parameters: { a: 2, b: 5 } });
    assert.equal(named.status, 201);
    assert.equal(named.body.runName, 'child-2-5');
    assert.deepEqual(await t.w.client.flowRuns.result(named.body.id), { sum: 7 });
  });

  test('the same idempotency key returns the same run with 200, never a second one', { timeout: 60_000 }, async () => {
    const idempotencyKey = uid('key');
    const first = await t.api.call('POST', '/api/flows/hello/runs', { parameters: { name: 'Once' }, idempotencyKey });
    assert.equal(first.status, 201);
    const firstRunId = (await t.w.client.temporal.workflow.getHandle(first.body.id).describe()).runId;
    await t.w.client.flowRuns.result(first.body.id);
    const again = await t.api.call('POST', '/api/flows/hello/runs', { parameters: { name: 'Once' }, idempotencyKey });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.deepEqual(StartedRun.parse(again.body), { ...first.body, created: false });
    const after = await t.w.client.temporal.workflow.getHandle(first.body.id).describe();
    assert.equal(after.runId, firstRunId, 'the very same Temporal run');
    assert.equal(await t.w.client.flowRuns.result(first.body.id), 'hello Once.');
    // Another key is another run.
    const other = await t.api.call('POST', '/api/flows/hello/runs', { parameters: { name: 'Other' }, idempotencyKey: uid('key') });
    assert.equal(other.status, 201);
    assert.notEqual(other.body.id, first.body.id);
    await t.w.client.flowRuns.result(other.body.id);
  });

  test('bad parameters → 400 naming each field, and nothing starts', { timeout: 60_000 }, async () => {
    const tag = uid('never');
    const res = await t.api.call('POST', '/api/flows/child-flow/runs', { parameters: { a: 'one' }, tags: [tag] });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    const body = ErrorBody.parse(res.body);
    assert.equal(body.error.code, 'PARAMETER_VALIDATION');
    assert.deepEqual((body.error.details as { path: string }[]).map((d) => d.path).sort(), ['a', 'b']);
    assert.match(body.error.message, /invalid parameters for flow 'child-flow': a: .*expected number.*; b: /);
    const request = await t.api.call('POST', '/api/flows/hello/runs', { parameters: [], runName: '', scheduledTime: 'tomorrow', colour: 'red' });
    assert.equal(request.status, 400);
    assert.deepEqual(ErrorBody.parse(request.body).error.details, [
      { path: 'parameters', message: 'Invalid input: expected record, received array' },
      { path: 'runName', message: 'Too small: expected string to have >=1 characters' },
      { path: 'scheduledTime', message: 'must be an ISO 8601 date-time such as 2026-11-21T09:00:00Z' },
      { path: '', message: 'Unrecognized key: "colour"' },
    ]);
    const listed = await t.api.call('GET', `/api/flow-runs?tag=${tag}`);
    assert.deepEqual(listed.body.flowRuns, [], 'nothing started');
  });

  test('an unknown flow → 404 naming it', { timeout: 30_000 }, async () => {
    const name = uid('no-such-flow');
    const res = await t.api.call('POST', `/api/flows/${name}/runs`, { parameters: {} });
    assert.equal(res.status, 404);
    assert.deepEqual(ErrorBody.parse(res.body), {
      error: { code: 'NOT_FOUND', message: `no flow named '${name}' is registered with this API (GET /api/flows lists them)` },
    });
  });

  test('a scheduledTime in the future: the run reads Scheduled until then, in GET and in the list', { timeout: 60_000 }, async () => {
    const tag = uid('later');
    const scheduledTime = new Date(Date.now() + 3_600_000).toISOString();
    const res = await t.api.call('POST', '/api/flows/hello/runs', { parameters: { name: 'Later' }, scheduledTime, tags: [tag] });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const id = res.body.id as string;
    try {
      assert.equal((await get(id)).state, 'Scheduled');
      const listed = await eventually(async () => (await t.api.call('GET', `/api/flow-runs?tag=${tag}`)).body.flowRuns[0]);
      assert.equal(listed.id, id);
      assert.equal(listed.state, 'Scheduled');
      // Temporal holds the start: the first workflow task waits for the start delay.
      const started = (await t.w.client.temporal.workflow.getHandle(id).fetchHistory()).events![0]!;
      const delay = started.workflowExecutionStartedEventAttributes?.firstWorkflowTaskBackoff;
      assert.ok(Number(delay?.seconds) > 3_500, `first workflow task backoff ${JSON.stringify(delay)}`);
      // A scheduledTime in the past starts at once.
      const now = await t.api.call('POST', '/api/flows/hello/runs', { parameters: { name: 'Now' }, scheduledTime: '2020-01-01T00:00:00Z' });
      assert.equal(now.status, 201);
      assert.equal(await t.w.client.flowRuns.result(now.body.id), 'hello Now.');
    } finally {
      await t.w.client.temporal.workflow
        .getHandle(id)
        .terminate('test over')
        .catch(() => undefined);
    }
  });

  test('GET /api/flow-runs?name= lists the runs whose run name starts with it, wildcards read as text', { timeout: 60_000 }, async () => {
    const tag = uid('named');
    const prefix = uid('Nightly');
    const names = [`${prefix} 100% done`, `${prefix} 1_2 'quoted'`, `${prefix}x`, `other ${prefix}`];
    const ids: string[] = [];
    for (const runName of names) {
      const res = await t.api.call('POST', '/api/flows/hello/runs', { parameters: { name: 'N' }, runName, tags: [tag] });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      ids.push(res.body.id as string);
    }
    await Promise.all(ids.map((id) => t.w.client.flowRuns.result(id)));
    const listed = async (name: string) => {
      const res = await t.api.call('GET', `/api/flow-runs?tag=${tag}&name=${encodeURIComponent(name)}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return (res.body.flowRuns as { runName: string }[]).map((r) => r.runName).sort();
    };
    await eventually(async () => ((await listed(prefix)).length === 3 ? true : undefined));
    assert.deepEqual(await listed(prefix), [names[0], names[1], names[2]].sort());
    // LIKE's wildcards and a quote are the text they are, not patterns.
    assert.deepEqual(await listed(`${prefix} 100%`), [names[0]]);
    assert.deepEqual(await listed(`${prefix} 1_2 'q`), [names[1]]);
    assert.deepEqual(await listed(`${prefix} 1%`), []);
    assert.deepEqual(await listed(`${prefix} _`), []);
    assert.deepEqual(await listed(`other ${prefix}`), [names[3]], 'a prefix, not a substring: only the run named so');

    // Any other text is a search that answers, quickly, whatever it holds.
    for (const odd of ['\\', "'", '\n', '!', '[a-z]*', 'é漢字🙂', '\\%_', 'x'.repeat(200), ' ', 'a\\']) {
      const began = Date.now();
      const res = await t.api.call('GET', `/api/flow-runs?pageSize=5&name=${encodeURIComponent(odd)}`);
      assert.equal(res.status, 200, `${JSON.stringify(odd)}: ${JSON.stringify(res.body)}`);
      assert.ok(Date.now() - began < 5_000, `${JSON.stringify(odd)} answered in ${Date.now() - began} ms`);
    }
    const bad = await t.api.call('GET', `/api/flow-runs?name=${encodeURIComponent('say "hi"')}`);
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.error.details, [{ path: 'name', message: 'must not contain a double quote (") or a NUL character' }]);
  });
});
