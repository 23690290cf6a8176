import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import pino from 'pino';
import { startApi } from '../src/api/server';
import { startTestApi, type TestApi } from './api-helpers';
import { eventually, startWorker, uid, type TestWorker } from './helpers';

const ADMIN = 'admin-secret-0123456789';
const READER = 'reader-secret-0123456789';

describe('API contract: validation, auth, OpenAPI', () => {
  let w: TestWorker;
  let open: TestApi;
  let locked: TestApi;
  const deployment = uid('contract');
  before(async () => {
    w = await startWorker();
    open = await startTestApi(w.client);
    locked = await startTestApi(w.client, `ops:admin:${ADMIN},dash:read:${READER}`);
    const res = await open.call('POST', '/api/deployments', { name: deployment, flow: 'hello', taskQueue: w.taskQueue });
    assert.equal(res.status, 201);
  });
  after(async () => {
    await open.call('DELETE', `/api/deployments/${deployment}`);
    await open.close();
    await locked.close();
    await w.stop();
  });

  const writes: [string, string][] = [
    ['POST', '/api/deployments'],
    ['PATCH', `/api/deployments/${'$'}`],
    ['POST', `/api/deployments/${'$'}/runs`],
    ['POST', `/api/deployments/${'$'}/backfill`],
    ['POST', '/api/flows/hello/runs'],
  ];

  test('malformed JSON on every route with a body → 400 BAD_JSON', async () => {
    for (const [method, path] of writes) {
      const res = await open.call(method, path.replace('$', deployment), '{"name": ');
      assert.equal(res.status, 400, `${method} ${path}`);
      assert.equal(res.body.error.code, 'BAD_JSON');
    }
  });

  test('wrong types → 400 naming each field', async () => {
    const cases: [string, string, unknown, string[]][] = [
      ['POST', '/api/deployments', { name: 'ok-name', flow: 7, schedules: [{ cron: '61 * * * *' }] }, ['flow', 'schedules.0.cron']],
      ['POST', '/api/deployments', { name: 'has space', flow: 'hello' }, ['name']],
      ['POST', '/api/deployments', { name: 'tz', flow: 'hello', schedules: [{ cron: '0 9 * * *', timezone: 'Mars/Olympus' }] }, ['schedules.0.timezone']],
      ['POST', '/api/deployments', { name: 'iv', flow: 'hello', schedules: [{ intervalSeconds: 0 }] }, ['schedules.0.intervalSeconds']],
      ['POST', '/api/deployments', { name: 'extra', flow: 'hello', colour: 'red' }, ['']],
      ['POST', '/api/deployments', { name: 'nof', flow: 'no-such-flow' }, ['flow']],
      ['PATCH', `/api/deployments/${deployment}`, { overlap: 'sometimes' }, ['overlap']],
      ['POST', `/api/deployments/${deployment}/runs`, { parameters: 'x', scheduledTime: 'tomorrow' }, ['parameters', 'scheduledTime']],
      ['POST', `/api/deployments/${deployment}/backfill`, { start: 1 }, ['start', 'end']],
      ['POST', '/api/flows/hello/runs', { parameters: 'x', tags: [''], scheduledTime: 'tomorrow' }, ['parameters', 'tags.0', 'scheduledTime']],
      ['POST', '/api/flows/hello/runs', { parameters: { name: 7, excited: 'yes' } }, ['name', 'excited']],
      ['GET', '/api/flow-runs?state=Sleeping&pageSize=0', undefined, ['pageSize', 'state']],
      ['GET', '/api/deployments?pageSize=abc', undefined, ['pageSize']],
    ];
    for (const [method, path, body, fields] of cases) {
      const res = await open.call(method, path, body);
      assert.equal(res.status, 400, `${method} ${path}: ${JSON.stringify(res.body)}`);
      assert.ok(['VALIDATION', 'PARAMETER_VALIDATION'].includes(res.body.error.code));
      assert.deepEqual(res.body.error.details.map((d: { path: string }) => d.path).sort(), fields.sort(), `${method} ${path}`);
    }
    // Nothing was created by the bad requests.
    for (const name of ['ok-name', 'tz', 'iv', 'extra', 'nof']) {
      assert.equal((await open.call('GET', `/api/deployments/${name}`)).status, 404);
    }
  });

  test('unknown deployments and runs → 404 on every route', async () => {
    const missing = uid('missing');
    const cases: [string, string, unknown][] = [
      ['GET', `/api/deployments/${missing}`, undefined],
      ['PATCH', `/api/deployments/${missing}`, { version: '2' }],
      ['DELETE', `/api/deployments/${missing}`, undefined],
      ['POST', `/api/deployments/${missing}/pause`, undefined],
      ['POST', `/api/deployments/${missing}/resume`, undefined],
      ['POST', `/api/deployments/${missing}/backfill`, { start: '2026-01-01T00:00:00Z', end: '2026-01-02T00:00:00Z' }],
      ['POST', `/api/deployments/${missing}/runs`, {}],
      ['GET', `/api/flow-runs/${missing}`, undefined],
      ['GET', `/api/flow-runs/${missing}/task-runs`, undefined],
      ['POST', `/api/flow-runs/${missing}/cancel`, undefined],
      ['POST', `/api/flow-runs/${missing}/retry`, undefined],
      ['POST', `/api/flows/${missing}/runs`, {}],
    ];
    for (const [method, path, body] of cases) {
      const res = await open.call(method, path, body);
      assert.equal(res.status, 404, `${method} ${path}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, 'NOT_FOUND');
      assert.match(res.body.error.message, new RegExp(missing));
    }
  });

  test('an oversized body → 413, never 5xx', async () => {
    const big = JSON.stringify({ name: 'big', flow: 'hello', description: 'x'.repeat(1_100_000) });
    for (const [method, path] of writes) {
      const res = await open.call(method, path.replace('$', deployment), big);
      assert.equal(res.status, 413, `${method} ${path}`);
      assert.equal(res.body.error.code, 'TOO_LARGE');
    }
  });

  test('auth: missing key 401, read-only key on a write 403, admin key works; health is public', async () => {
    assert.equal((await locked.call('GET', '/api/health')).status, 200);
    const none = await locked.call('GET', '/api/deployments');
    assert.equal(none.status, 401);
    assert.equal(none.body.error.code, 'UNAUTHORIZED');
    const wrong = await locked.call('GET', '/api/deployments', undefined, { authorization: 'Bearer not-a-key-at-all-000' });
    assert.equal(wrong.status, 401);
    assert.doesNotMatch(JSON.stringify(wrong.body), /not-a-key/);
    const read = await locked.call('GET', `/api/deployments/${deployment}`, undefined, { authorization: `Bearer ${READER}` });
    assert.equal(read.status, 200);
    const forbidden = await locked.call('POST', `/api/deployments/${deployment}/pause`, undefined, { authorization: `Bearer ${READER}` });
    assert.equal(forbidden.status, 403);
    assert.match(forbidden.body.error.message, /'dash' is read-only/);
    assert.equal((await open.call('GET', `/api/deployments/${deployment}`)).body.paused, true, 'the refused write changed nothing');
    const direct = await locked.call('POST', '/api/flows/hello/runs', { parameters: { name: 'reader' } }, { authorization: `Bearer ${READER}` });
    assert.equal(direct.status, 403, 'a read-only key cannot run a flow');
    const flows = await locked.call('GET', '/api/flows', undefined, { authorization: `Bearer ${READER}` });
    assert.equal(flows.status, 200);
    assert.ok(flows.body.flows.some((f: { name: string }) => f.name === 'hello'));
    const run = await locked.call('POST', `/api/deployments/${deployment}/runs`, { parameters: { name: 'admin' } }, { authorization: `Bearer ${ADMIN}` });
    assert.equal(run.status, 201);
    assert.equal(await w.client.flowRuns.result(run.body.id), 'hello admin.');
  });

  test('an approval records the deciding API key by name; a read-only key cannot decide', async () => {
    const name = uid('keyed-approval');
    await open.call('POST', '/api/deployments', { name, flow: 'approval-flow', taskQueue: w.taskQueue });
    const id = (await open.call('POST', `/api/deployments/${name}/runs`, {})).body.id as string;
    await eventually(async () => ((await open.call('GET', `/api/flow-runs/${id}`)).body.state === 'AwaitingApproval' ? true : undefined));
    const decide = { decision: 'approve', input: { reviewer: 'ops-team', priority: 1 } };
    const readOnly = await locked.call('POST', `/api/flow-runs/${id}/approvals/ship`, decide, { authorization: `Bearer ${READER}` });
    assert.equal(readOnly.status, 403);
    const ok = await locked.call('POST', `/api/flow-runs/${id}/approvals/ship`, decide, { authorization: `Bearer ${ADMIN}` });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.decidedBy, 'ops');
    const result = (await w.client.flowRuns.result(id)) as { answer: { decidedBy: string } };
    assert.equal(result.answer.decidedBy, 'ops');
    await open.call('DELETE', `/api/deployments/${name}`);
  });

  test('the API refuses to listen beyond loopback without keys, and keys never reach the log', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    await assert.rejects(
      startApi({ client: w.client, logger, config: { BATON_API_HOST: '0.0.0.0', BATON_API_PORT: 0, BATON_API_KEYS: undefined } }),
      /refusing to listen on 0\.0\.0\.0 without API keys/,
    );
    await assert.rejects(
      startApi({ client: w.client, logger, config: { BATON_API_HOST: '127.0.0.1', BATON_API_PORT: 0, BATON_API_KEYS: 'ops:root:short' } }),
      (err: Error) => !err.message.includes('short') && /BATON_API_KEYS\[0\]: role must be 'read' or 'admin'/.test(err.message),
    );
    const api = await startApi({ client: w.client, logger, config: { BATON_API_HOST: '127.0.0.1', BATON_API_PORT: 0, BATON_API_KEYS: undefined } });
    await api.close();
    assert.ok(lines.some((l) => l.includes('no API keys configured')));
    const keyed = await startApi({ client: w.client, logger, config: { BATON_API_HOST: '127.0.0.1', BATON_API_PORT: 0, BATON_API_KEYS: `ops:admin:${ADMIN}` } });
    await fetch(`${keyed.url}/api/deployments`, { headers: { authorization: `Bearer ${ADMIN}` } });
    await keyed.close();
    assert.ok(!lines.some((l) => l.includes(ADMIN)), 'the secret is never logged');
  });

  test('the OpenAPI document validates as 3.1 and lists every route; the docs page serves', async () => {
    const res = await open.call('GET', '/api/openapi.json');
    assert.equal(res.status, 200);
    const validator = new Validator();
    const result = await validator.validate(res.body);
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 1));
    assert.equal(res.body.openapi, '3.1.0');
    const operations = Object.entries(res.body.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    assert.deepEqual(operations.sort(), [
      'DELETE /api/automations/{name}',
      'DELETE /api/cache',
      'DELETE /api/concurrency-limits/{name}',
      'DELETE /api/deployments/{name}',
      'DELETE /api/variables/{name}',
      'GET /api/approvals',
      'GET /api/artifacts',
      'GET /api/automations',
      'GET /api/automations/{name}',
      'GET /api/concurrency-limits',
      'GET /api/concurrency-limits/{name}',
      'GET /api/deployments',
      'GET /api/deployments/{name}',
      'GET /api/events',
      'GET /api/flow-runs',
      'GET /api/flow-runs/{id}',
      'GET /api/flow-runs/{id}/artifacts',
      'GET /api/flow-runs/{id}/logs',
      'GET /api/flow-runs/{id}/logs/stream',
      'GET /api/flow-runs/{id}/stream',
      'GET /api/flow-runs/{id}/task-runs',
      'GET /api/flows',
      'GET /api/health',
      'GET /api/task-queues/{name}',
      'GET /api/variables',
      'GET /api/variables/{name}',
      'GET /metrics',
      'PATCH /api/concurrency-limits/{name}',
      'PATCH /api/deployments/{name}',
      'POST /api/automations',
      'POST /api/automations/{name}/pause',
      'POST /api/automations/{name}/resume',
      'POST /api/codec/decode',
      'POST /api/codec/encode',
      'POST /api/concurrency-limits',
      'POST /api/deployments',
      'POST /api/deployments/{name}/backfill',
      'POST /api/deployments/{name}/pause',
      'POST /api/deployments/{name}/resume',
      'POST /api/deployments/{name}/runs',
      'POST /api/events',
      'POST /api/flow-runs/{id}/approvals/{key}',
      'POST /api/flow-runs/{id}/cancel',
      'POST /api/flow-runs/{id}/pause',
      'POST /api/flow-runs/{id}/resume',
      'POST /api/flow-runs/{id}/retry',
      'POST /api/flows/{name}/runs',
      'POST /api/webhooks/{name}',
      'PUT /api/variables/{name}',
    ]);
    // A flow run trigger reads like a deployment's: its request and answer are named components.
    const runFlow = res.body.paths['/api/flows/{name}/runs'].post;
    assert.deepEqual(runFlow.requestBody.content['application/json'].schema, { $ref: '#/components/schemas/RunFlow' });
    assert.deepEqual(runFlow.responses['201'].content['application/json'].schema, { $ref: '#/components/schemas/StartedRun' });
    assert.deepEqual(Object.keys(runFlow.responses).sort(), ['200', '201', '400', '401', '403', '404', '409', '413', '415', '500', '503']);
    assert.deepEqual(Object.keys(res.body.components.schemas.RunFlow.properties).sort(), ['idempotencyKey', 'parameters', 'runName', 'scheduledTime', 'tags']);
    const decide = res.body.paths['/api/flow-runs/{id}/approvals/{key}'].post;
    assert.ok(decide.responses['503'], 'a decision no worker takes answers 503');
    const page = await fetch(`${open.base}/api/docs`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /SwaggerUIBundle\(\{ url: '\/api\/openapi.json'/);
    const asset = await fetch(`${open.base}/api/docs/assets/swagger-ui-bundle.js`);
    assert.equal(asset.status, 200);
  });
});
