import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { workerAndApi } from './api-helpers';
import { eventually, readLines, scheduledWhilePaused, tempDir, uid } from './helpers';

describe('people in the loop', () => {
  const t = workerAndApi();
  const deploy = async (flow: string) => {
    const name = uid(flow);
    await t.api.call('POST', '/api/deployments', { name, flow, taskQueue: t.w.taskQueue });
    return name;
  };
  const start = async (flow: string, parameters: Record<string, unknown> = {}) => {
    const res = await t.api.call('POST', `/api/deployments/${await deploy(flow)}/runs`, { parameters });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id as string;
  };
  const state = async (id: string) => (await t.api.call('GET', `/api/flow-runs/${id}`)).body.state as string;

  test('external pause mid-map: no task starts while paused; everything finishes after resume', async () => {
    const dir = tempDir();
    const id = await start('pausable-map', { probe: { dir, key: 'stamps' }, count: 20, ms: 500 });
    await eventually(() => (readLines(dir, 'stamps').length >= 2 ? true : undefined));
    const pause = await t.api.call('POST', `/api/flow-runs/${id}/pause`);
    assert.equal(pause.status, 202);
    await eventually(async () => ((await state(id)) === 'Paused' ? true : undefined));
    // Listed as Paused once visibility has the state the run itself reports.
    await eventually(async () => {
      const listed = await t.api.call('GET', `/api/flow-runs?state=Paused&flow=pausable-map`);
      return listed.body.flowRuns.some((r: { id: string; state: string }) => r.id === id && r.state === 'Paused') || undefined;
    });
    await new Promise((r) => setTimeout(r, 2_000));
    const resumedAt = Date.now();
    assert.equal((await t.api.call('POST', `/api/flow-runs/${id}/resume`, {})).status, 202);
    const result = await t.w.client.flowRuns.result<number[]>(id);
    assert.deepEqual(
      result,
      Array.from({ length: 20 }, (_, i) => i),
    );
    // Tasks scheduled before the pause took effect may still start after the API answered; none may be
    // scheduled once it has.
    assert.deepEqual(await scheduledWhilePaused(t.w.client.temporal, id), [], 'nothing scheduled between the pause and the resume');
    const stamps = readLines(dir, 'stamps') as { index: number; start: number; end: number }[];
    assert.ok(
      stamps.some((s) => s.start >= resumedAt),
      'work went on after resume',
    );
    assert.equal(await state(id), 'Completed');
    const again = await t.api.call('POST', `/api/flow-runs/${id}/pause`);
    assert.equal(again.status, 409);
    assert.match(again.body.error.message, /cannot pause flow run .*: it has already ended \(completed\)/);
  });

  test('pause() waits for resume by key; a timeout with a default goes on, without one ends TimedOut', async () => {
    const id = await start('pause-flow');
    await eventually(async () => ((await state(id)) === 'Paused' ? true : undefined));
    await t.api.call('POST', `/api/flow-runs/${id}/resume`, { key: 'review' });
    assert.deepEqual(await t.w.client.flowRuns.result(id), { outcome: 'resumed', greeting: 'hello after pause.' });

    const withDefault = await start('pause-flow', { timeoutSeconds: 1, useDefault: true });
    assert.deepEqual(await t.w.client.flowRuns.result(withDefault), { outcome: 'skipped', greeting: 'hello after pause.' });

    const without = await start('pause-flow', { timeoutSeconds: 1 });
    await eventually(async () => ((await state(without)) === 'TimedOut' ? true : undefined));
    const detail = (await t.api.call('GET', `/api/flow-runs/${without}`)).body;
    assert.equal(detail.error.type, 'WaitTimeoutError');
    assert.match(detail.error.message, /pause 'review' was not resumed within 1 s/);
  });

  test('approvals: listed while pending; bad input → 400 and the run still waits; approve with input; double decision → 409', async () => {
    const id = await start('approval-flow', { release: 'v2' });
    const pending = await eventually(async () => {
      const list = await t.api.call('GET', '/api/approvals?flow=approval-flow');
      return list.body.approvals.find((a: { flowRunId: string }) => a.flowRunId === id);
    });
    assert.equal(pending.key, 'ship');
    assert.equal(pending.runName, 'release-v2');
    assert.equal(pending.description, 'Ship release v2 to production?');
    assert.deepEqual(pending.inputSchema.required, ['reviewer', 'priority']);
    assert.equal(await state(id), 'AwaitingApproval');
    const historyBefore = (await t.w.client.temporal.workflow.getHandle(id).fetchHistory()).events!.length;

    const bad = await t.api.call('POST', `/api/flow-runs/${id}/approvals/ship`, { decision: 'approve', input: { reviewer: '', priority: 9 } });
    assert.equal(bad.status, 400);
    assert.deepEqual(
      bad.body.error.details.map((d: { path: string }) => d.path),
      ['input.reviewer', 'input.priority'],
    );
    const wrongKey = await t.api.call('POST', `/api/flow-runs/${id}/approvals/nope`, { decision: 'approve' });
    assert.equal(wrongKey.status, 404);
    const badDecision = await t.api.call('POST', `/api/flow-runs/${id}/approvals/ship`, { decision: 'maybe' });
    assert.equal(badDecision.status, 400);
    assert.equal(await state(id), 'AwaitingApproval', 'refused decisions leave the run waiting');
    assert.equal((await t.w.client.temporal.workflow.getHandle(id).fetchHistory()).events!.length, historyBefore, 'and its history untouched');

    const input = { reviewer: 'ada', priority: 2, notes: 'looks good' };
    const ok = await t.api.call('POST', `/api/flow-runs/${id}/approvals/ship`, { decision: 'approve', input, comment: 'go' });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.decidedBy, 'local');
    const result = (await t.w.client.flowRuns.result(id)) as { shipped: boolean; answer: Record<string, unknown>; greeting: string };
    assert.equal(result.shipped, true);
    assert.deepEqual(result.answer.input, input);
    assert.equal(result.answer.comment, 'go');
    assert.equal(result.answer.decidedBy, 'local');
    assert.equal(result.greeting, 'hello ada!');
    const twice = await t.api.call('POST', `/api/flow-runs/${id}/approvals/ship`, { decision: 'reject' });
    assert.equal(twice.status, 409);
  });

  test('reject: the flow sees the rejection; a second decision while it still runs is a 409', async () => {
    const id = await start('approval-flow', { release: 'slow-v3' });
    await eventually(async () => ((await state(id)) === 'AwaitingApproval' ? true : undefined));
    const res = await t.api.call('POST', `/api/flow-runs/${id}/approvals/ship`, { decision: 'reject', comment: 'not today' });
    assert.equal(res.status, 200);
    const second = await t.api.call('POST', `/api/flow-runs/${id}/approvals/ship`, { decision: 'approve', input: { reviewer: 'bob', priority: 1 } });
    assert.equal(second.status, 409);
    assert.match(second.body.error.message, /approval 'ship' was already decided: reject by local/);
    assert.equal(await state(id), 'Running');
    const result = (await t.w.client.flowRuns.result(id)) as { shipped: boolean; answer: { decision: string; comment: string } };
    assert.equal(result.shipped, false);
    assert.equal(result.answer.decision, 'reject');
    assert.equal(result.answer.comment, 'not today');
  });

  test('cancel a waiting flow: its cleanup still runs', async () => {
    const dir = tempDir();
    const id = await start('cleanup-flow', { probe: { dir, key: 'unused' } });
    await eventually(async () => ((await state(id)) === 'AwaitingApproval' ? true : undefined));
    assert.equal((await t.api.call('POST', `/api/flow-runs/${id}/cancel`)).status, 202);
    await eventually(async () => ((await state(id)) === 'Cancelled' ? true : undefined));
    assert.equal(readLines(dir, 'cleanup').length, 1, 'the cleanup task ran');
    // A cancelled run no longer waits: gone from the approvals once visibility has its end.
    await eventually(async () => {
      const listed = await t.api.call('GET', '/api/approvals?flow=cleanup-flow');
      return !listed.body.approvals.some((a: { flowRunId: string }) => a.flowRunId === id) || undefined;
    });
  });
});
