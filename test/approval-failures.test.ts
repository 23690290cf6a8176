import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ErrorBody } from '../src/core/schemas';
import { startTestApi, type TestApi } from './api-helpers';
import { eventually, startWorker, uid, type TestWorker } from './helpers';

const FLOWS = path.join(__dirname, 'approval-fixtures');
/** The API under test waits this long for a run's worker to take a decision. */
const WAIT_SECONDS = 4;

/** Every refusal names its cause, with a 4xx or 503, in Baton's error body and without a stack. */
function assertCause(res: { status: number; body: unknown }, status: number, code: string, cause: RegExp): string {
  assert.equal(res.status, status, JSON.stringify(res.body));
  const body = ErrorBody.parse(res.body);
  assert.equal(body.error.code, code);
  assert.match(body.error.message, cause);
  assert.doesNotMatch(body.error.message, /internal error|\n\s+at |\/[\w.-]+\.(?:ts|js):\d+/);
  return body.error.message;
}

describe('an approval that cannot be decided says why', () => {
  let w: TestWorker;
  let api: TestApi;
  const ids: string[] = [];
  before(async () => {
    w = await startWorker({ flows: FLOWS });
    api = await startTestApi(w.client, undefined, { decideWaitSeconds: WAIT_SECONDS });
  });
  after(async () => {
    for (const id of ids)
      await w.client.temporal.workflow
        .getHandle(id)
        .terminate('test over')
        .catch(() => undefined);
    await api.close();
    await w.stop();
  });

  const awaiting = async (flow: string, worker = w) => {
    const handle = await worker.client.flowRuns.start(flow, {});
    ids.push(handle.id);
    await eventually(async () => ((await api.call('GET', `/api/flow-runs/${handle.id}`)).body.state === 'AwaitingApproval' ? true : undefined));
    return handle.id;
  };
  const historyLength = async (id: string) => (await w.client.temporal.workflow.getHandle(id).fetchHistory()).events!.length;

  test('the input schema throws a TypeError in the update validator → 400 naming it; the run still waits, untouched', { timeout: 60_000 }, async () => {
    const id = await awaiting('schema-throws-approval');
    const before = await historyLength(id);
    const res = await api.call('POST', `/api/flow-runs/${id}/approvals/ship`, { decision: 'approve', input: { reviewer: 'ada' } });
    const message = assertCause(res, 400, 'VALIDATION', /the flow's check of the input failed: TypeError: the input schema broke/);
    assert.match(message, new RegExp(`approval 'ship' on flow run ${id}`));
    assert.deepEqual(res.body.error.details, [{ path: 'input', message: "the flow's check of the input failed: TypeError: the input schema broke" }]);
    assert.equal((await api.call('GET', `/api/flow-runs/${id}`)).body.state, 'AwaitingApproval');
    assert.equal(await historyLength(id), before, 'a refused decision leaves no trace in history');
    // A rejection does not check input: it goes through.
    const reject = await api.call('POST', `/api/flow-runs/${id}/approvals/ship`, { decision: 'reject' });
    assert.equal(reject.status, 200, JSON.stringify(reject.body));
    assert.equal(await w.client.flowRuns.result(id), 'reject');
  });

  test('the update handler throws (the worker fails the workflow task) → 503 with the cause, within the bound', { timeout: 60_000 }, async () => {
    const id = await awaiting('handler-throws-approval');
    const started = Date.now();
    const res = await api.call('POST', `/api/flow-runs/${id}/approvals/ship`, { decision: 'approve', input: { reviewer: 'ada' } });
    const elapsed = Date.now() - started;
    assertCause(res, 503, 'WORKER_UNAVAILABLE', new RegExp(`the worker running flow run ${id} fails while taking the decision: TypeError: input checked twice`));
    assert.ok(elapsed < (WAIT_SECONDS + 5) * 1000, `answered in ${elapsed} ms`);
    // Temporal recorded the failed workflow task the message reports.
    const events = (await w.client.temporal.workflow.getHandle(id).fetchHistory()).events ?? [];
    assert.ok(events.some((e) => e.workflowTaskFailedEventAttributes?.failure?.message === 'input checked twice'));
  });

  test('a run that has not started yet (due later) → 409 at once, and nothing is sent to the run', { timeout: 60_000 }, async () => {
    const handle = await w.client.flowRuns.start('plain-approval', {}, { startDelaySeconds: 600 });
    ids.push(handle.id);
    const before = await historyLength(handle.id);
    const started = Date.now();
    const res = await api.call('POST', `/api/flow-runs/${handle.id}/approvals/ship`, { decision: 'approve' });
    assertCause(res, 409, 'CONFLICT', new RegExp(`flow run ${handle.id} has not started yet \\(it starts at `));
    assert.ok(Date.now() - started < WAIT_SECONDS * 1000, 'answered without waiting for the bound');
    assert.equal(await historyLength(handle.id), before);
  });

  test("nobody has ever polled the run's task queue → 503 at once, and nothing is sent to the run", { timeout: 60_000 }, async () => {
    const handle = await w.client.flowRuns.start('plain-approval', {}, { taskQueue: uid('no-worker') });
    ids.push(handle.id);
    const before = await historyLength(handle.id);
    const started = Date.now();
    const res = await api.call('POST', `/api/flow-runs/${handle.id}/approvals/ship`, { decision: 'approve' });
    assertCause(res, 503, 'WORKER_UNAVAILABLE', new RegExp(`no worker is running flow run ${handle.id}: none polls its task queue 'no-worker-`));
    assert.ok(Date.now() - started < WAIT_SECONDS * 1000, 'answered without waiting for the bound');
    assert.equal(await historyLength(handle.id), before);
  });

  test("the run's worker is gone → 503 within the bound, saying no worker runs it", { timeout: 90_000 }, async () => {
    const gone = await startWorker({ flows: FLOWS });
    let id: string;
    try {
      id = await awaiting('plain-approval', gone);
    } finally {
      await gone.stop();
    }
    const started = Date.now();
    const res = await api.call('POST', `/api/flow-runs/${id}/approvals/ship`, { decision: 'approve' });
    const elapsed = Date.now() - started;
    assertCause(res, 503, 'WORKER_UNAVAILABLE', new RegExp(`no worker is running flow run ${id}`));
    assert.ok(elapsed < (WAIT_SECONDS + 5) * 1000, `answered in ${elapsed} ms`);
    assert.equal((await api.call('GET', `/api/flow-runs/${id}`)).body.state, 'AwaitingApproval', 'the decision was not applied');
  });

  test('deciding on a run that ended meanwhile or never existed → 409 / 404 with the cause', { timeout: 60_000 }, async () => {
    const id = await awaiting('plain-approval');
    await w.client.temporal.workflow.getHandle(id).terminate('ended for the test');
    const ended = await api.call('POST', `/api/flow-runs/${id}/approvals/ship`, { decision: 'approve' });
    assertCause(ended, 409, 'CONFLICT', new RegExp(`flow run ${id} has already ended \\(terminated\\)`));
    const missing = uid('missing');
    const none = await api.call('POST', `/api/flow-runs/${missing}/approvals/ship`, { decision: 'approve' });
    assertCause(none, 404, 'NOT_FOUND', new RegExp(`no flow run with id '${missing}'`));
  });
});
