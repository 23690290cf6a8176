import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { jsonDepth, MAX_JSON_DEPTH } from '../src/core/schemas';
import { workerAndApi } from './api-helpers';
import { eventually, uid } from './helpers';

/** `{ a: { a: ... } }` nested `depth` levels. */
function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

/** The same as JSON text, written out directly: JSON.stringify itself runs out of stack this deep. */
function nestedJson(depth: number): string {
  return `${'{"a":'.repeat(depth)}"bottom"${'}'.repeat(depth)}`;
}

describe('deeply nested input is refused at the edge with a 400 naming the field', { timeout: 60_000 }, () => {
  const t = workerAndApi();

  test('jsonDepth counts without recursion and stops early', () => {
    assert.equal(jsonDepth('x'), 0);
    assert.equal(jsonDepth({ a: [1, { b: 2 }] }), 3);
    assert.equal(jsonDepth(nested(200_000)), MAX_JSON_DEPTH + 1, 'stops past the limit');
  });

  test('run parameters, deployment defaults and approval input', async () => {
    const deep = `{"name":"x","extra":${nestedJson(5_000)}}`;
    const run = await t.api.call('POST', '/api/flows/hello/runs', `{"parameters":${deep}}`, { 'content-type': 'application/json' });
    assert.equal(run.status, 400, JSON.stringify(run.body).slice(0, 300));
    assert.deepEqual(
      run.body.error.details.map((d: { path: string }) => d.path),
      ['parameters'],
    );
    assert.match(run.body.error.details[0].message, /nests deeper than 64 levels/);

    const name = uid('deep');
    const deployment = await t.api.call('POST', '/api/deployments', `{"name":"${name}","flow":"hello","parameters":${deep},"taskQueue":"${t.w.taskQueue}"}`, {
      'content-type': 'application/json',
    });
    assert.equal(deployment.status, 400);
    assert.equal((await t.api.call('GET', `/api/deployments/${name}`)).status, 404, 'nothing was created');

    // Just within the limit still works end to end.
    const ok = await t.api.call('POST', '/api/flows/hello/runs', { parameters: { name: 'y', extra: nested(MAX_JSON_DEPTH - 2) } });
    assert.equal(ok.status, 201, JSON.stringify(ok.body).slice(0, 300));

    const waiting = await t.api.call('POST', '/api/flows/approval-flow/runs', { parameters: { release: uid('r') } });
    assert.equal(waiting.status, 201);
    await eventually(async () => ((await t.w.client.flowRuns.get(waiting.body.id)).state === 'AwaitingApproval' ? true : undefined));
    const decided = await t.api.call('POST', `/api/flow-runs/${waiting.body.id}/approvals/ship`, `{"decision":"approve","input":${nestedJson(5_000)}}`, {
      'content-type': 'application/json',
    });
    assert.equal(decided.status, 400);
    assert.deepEqual(
      decided.body.error.details.map((d: { path: string }) => d.path),
      ['input'],
    );
    assert.equal((await t.w.client.flowRuns.get(waiting.body.id)).state, 'AwaitingApproval', 'the run still waits');
    await t.w.client.flowRuns.cancel(waiting.body.id);
  });
});
