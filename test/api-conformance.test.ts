/**
 * The OpenAPI document against what the API really sends: every operation it lists, and every
 * status it names for each, is produced here against a real worker and Temporal, and every answer
 * is checked against the document by `call` (see openapi-check.ts). The last test asserts that the
 * (operation, status) pairs seen are exactly the ones the document names.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BoundedCacheStore } from '../src/activities/bounded-cache-store';
import { RedisCacheStore } from '../src/activities/redis-cache-store';
import { BatonClient } from '../src/client/client';
import { SseParser } from '../src/cli/sse-parser';
import { startOwnRedis, type OwnRedis } from './redis-process';
import { relay } from './temporal-relay';
import { startTestApi, type TestApi } from './api-helpers';
import { eventually, startWorker, testTarget, uid, type TestWorker } from './helpers';
import type { OpenApiDocument } from './openapi-check';
import { githubSignature } from '../src/events/webhook-request';
import { VARIABLES_WORKFLOW_ID } from '../src/core/variables';

const ADMIN = 'conformance-admin-0123456789';
/** Signed with its own secret instead of keyed, and told apart by its name: it has a test of its own below. */
const WEBHOOK = 'POST /api/webhooks/{name}';
const HOOK_SECRET = 'conformance-hook-secret-0123456789';
const hook = {
  name: 'conformance-hook',
  secretEnv: 'X',
  signature: 'github-sha256',
  event: 'conformance.hook.{{body.action}}',
  secret: Buffer.from(HOOK_SECRET),
} as const;
const READER = 'conformance-reader-0123456789';

/** A path for an operation's template: `{name}` → values.name. */
const fill = (template: string, values: Record<string, string>) => template.replace(/\{(\w+)\}/g, (_, p: string) => encodeURIComponent(values[p] ?? p));

/** The smallest valid body of each operation that takes one (for the statuses that need input to pass). */
const VALID_BODY: Record<string, unknown> = {
  'POST /api/deployments': { name: 'placeholder', flow: 'hello', parameters: { name: 'placeholder' } },
  'PATCH /api/deployments/{name}': { version: '2' },
  'POST /api/deployments/{name}/backfill': { start: '2020-06-01T00:00:00Z', end: '2020-06-02T00:00:00Z' },
  'POST /api/deployments/{name}/runs': {},
  'POST /api/flows/{name}/runs': { parameters: { name: 'conformance' } },
  'POST /api/flow-runs/{id}/retry': {},
  'POST /api/flow-runs/{id}/resume': {},
  'POST /api/flow-runs/{id}/approvals/{key}': { decision: 'approve', input: { reviewer: 'ada', priority: 1 } },
  'POST /api/events': { event: 'conformance.ping' },
  'POST /api/concurrency-limits': { name: 'conformance-placeholder', slots: 1 },
  'PATCH /api/concurrency-limits/{name}': { slots: 2 },
  'PUT /api/variables/{name}': { value: { conformance: true } },
  'POST /api/codec/decode': { payloads: [] },
  'POST /api/codec/encode': { payloads: [] },
  'POST /api/automations': {
    name: 'conformance-placeholder',
    trigger: { type: 'event', match: 'conformance.never.*' },
    actions: [{ type: 'pause-deployment', deployment: 'placeholder' }],
  },
};

/** The query an operation that requires one needs to pass validation. */
const VALID_QUERY: Record<string, string> = { 'GET /api/artifacts': '?key=ship' };

describe('the OpenAPI document names exactly what the API answers, on every operation', () => {
  let w: TestWorker;
  let api: TestApi;
  let locked: TestApi;
  let uncached: TestApi;
  /** An API whose Redis cache store is frozen by the cache test. */
  let stuckCache: TestApi;
  let redis: OwnRedis;
  let redisStore: BoundedCacheStore;
  let cutApi: TestApi;
  let cutClient: BatonClient;
  let cutRelay: { cut(): Promise<void> };
  /** Every operation of the document, as "METHOD /template", with the statuses it names. */
  let operations: Map<string, string[]>;
  /** Operations that take a query. */
  const withQuery = new Set<string>();
  /** Operations that take a body. */
  const withBody = new Set<string>();
  const runs: string[] = [];
  const deployments: string[] = [];
  const scheduled = uid('conf-sched');
  const unscheduled = uid('conf-bare');

  before(async () => {
    w = await startWorker();
    // The variables store is one workflow per namespace, on the task queue it was first written from: this file's worker keeps it.
    await w.client.temporal.workflow
      .getHandle(VARIABLES_WORKFLOW_ID)
      .terminate("kept on this test file's task queue")
      .catch(() => undefined);
    api = await startTestApi(w.client, undefined, { webhooks: [hook] });
    locked = await startTestApi(w.client, `ops:admin:${ADMIN},dash:read:${READER}`);
    uncached = await startTestApi(w.client, undefined, { cache: false, runLogs: false });
    redis = await startOwnRedis();
    redisStore = new BoundedCacheStore(await RedisCacheStore.connect(redis.url), 1_000);
    stuckCache = await startTestApi(w.client, undefined, { cache: redisStore });
    const target = testTarget();
    const r = await relay(target.connectionOptions.address!);
    cutRelay = r;
    // No gRPC retries: with Temporal gone, each call fails at once instead of backing off for seconds.
    cutClient = await BatonClient.connect({
      target: { ...target, connectionOptions: { ...target.connectionOptions, address: r.address, interceptors: [] } },
      taskQueue: w.taskQueue,
      flows: w.client.flows,
    });
    cutApi = await startTestApi(cutClient, undefined, { webhooks: [hook] });
    const document = (await api.call('GET', '/api/openapi.json')).body as OpenApiDocument;
    operations = new Map();
    for (const [template, ops] of Object.entries(document.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const key = `${method.toUpperCase()} ${template}`;
        operations.set(key, Object.keys(op.responses));
        if (op.parameters?.some((p) => p.in === 'query')) withQuery.add(key);
        if ((op as { requestBody?: unknown }).requestBody) withBody.add(key);
      }
    }
    for (const [name, schedules] of [
      [scheduled, [{ cron: '0 0 1 1 *' }]],
      [unscheduled, []],
    ] as const) {
      const res = await api.call('POST', '/api/deployments', { name, flow: 'hello', parameters: { name: 'dep' }, taskQueue: w.taskQueue, schedules, paused: true });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      deployments.push(name);
    }
  });
  after(async () => {
    for (const id of runs)
      await w?.client.temporal.workflow
        .getHandle(id)
        .terminate('test over')
        .catch(() => undefined);
    for (const name of deployments) await w?.client.deployments.delete(name).catch(() => undefined);
    await w?.client.temporal.workflow
      .getHandle(VARIABLES_WORKFLOW_ID)
      .terminate('test over')
      .catch(() => undefined);
    await locked?.close();
    await uncached?.close();
    await stuckCache?.close();
    redis?.thaw();
    await redisStore?.close().catch(() => undefined);
    redis?.stop();
    await cutApi?.close();
    await cutClient?.close();
    await cutRelay?.cut();
    await api?.close();
    await w?.stop();
  });

  const body = (key: string) => VALID_BODY[key];
  const methodOf = (key: string) => key.split(' ')[0]!;
  const templateOf = (key: string) => key.split(' ')[1]!;
  /** The operations naming a status, the webhook's left out (its test covers it), unless `withWebhook`. */
  const names = (status: string, withWebhook = false) =>
    [...operations].filter(([key, statuses]) => statuses.includes(status) && (withWebhook || key !== WEBHOOK)).map(([key]) => key);
  const awaiting = async (id: string) =>
    eventually(async () => ((await api.call('GET', `/api/flow-runs/${id}`)).body.state === 'AwaitingApproval' ? true : undefined), 30_000);
  const startApproval = async () => {
    const res = await api.call('POST', '/api/flows/approval-flow/runs', { parameters: { release: uid('r') } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    runs.push(res.body.id);
    await awaiting(res.body.id);
    return res.body.id as string;
  };

  test('the check refuses an answer the document does not describe', { timeout: 10_000 }, async () => {
    const checker = await api.checker();
    const json = (status: number, body: unknown) => ({ status, contentType: 'application/json; charset=utf-8', text: JSON.stringify(body), body });
    const error = { error: { code: 'NOT_FOUND', message: 'no flow run' } };
    assert.equal(checker.check('GET', '/api/flow-runs/abc?x=1', json(404, error)), 'GET /api/flow-runs/{id} 404');
    // The shared 500 is read through its reference, body schema included.
    assert.equal(checker.check('GET', '/api/flow-runs/abc', json(500, { error: { code: 'INTERNAL', message: 'internal error' } })), 'GET /api/flow-runs/{id} 500');
    assert.throws(() => checker.check('GET', '/api/flow-runs/abc', json(500, { message: 'boom' })), /GET \/api\/flow-runs\/\{id\} 500: the body does not match/);
    assert.equal(checker.check('GET', '/api/flow-runs/abc/task-runs', json(200, { taskRuns: [] })), 'GET /api/flow-runs/{id}/task-runs 200');
    assert.throws(
      () => checker.check('GET', '/api/flow-runs/abc', json(409, error)),
      /GET \/api\/flow-runs\/\{id\} answered 409, which the document does not name[^]*body: \{"error"/,
    );
    assert.throws(() => checker.check('GET', '/api/flow-runs/abc/task-runs', json(200, { taskRuns: [], extra: 1 })), /must NOT have additional properties/);
    assert.throws(
      () => checker.check('GET', '/api/flow-runs/abc/task-runs', json(200, { taskRuns: [{ id: 'x' }] })),
      /\/taskRuns\/0 must have required property 'kind'/,
    );
    assert.throws(() => checker.check('GET', '/api/flow-runs/abc', { status: 404, contentType: 'text/html', text: '<p>', body: '<p>' }), /not application\/json/);
    assert.throws(
      () => checker.check('DELETE', '/api/deployments/d', { status: 204, contentType: 'application/json', text: '{}', body: {} }),
      /has no body in the document/,
    );
    assert.throws(() => checker.check('GET', '/api/no-such-route', json(404, error)), /is no operation of the document/);
    assert.equal(checker.check('GET', '/approvals', { status: 200, contentType: 'text/html', text: '<html>', body: '<html>' }), undefined);
  });

  test('401 without a key, 403 from another site on every operation and with a read-only key on every write', { timeout: 30_000 }, async () => {
    for (const key of names('401')) {
      const res = await locked.call(methodOf(key), fill(templateOf(key), {}), body(key));
      assert.equal(res.status, 401, key);
    }
    for (const key of names('403', true)) {
      const foreign = await api.call(methodOf(key), fill(templateOf(key), {}), body(key), { origin: 'http://evil.example' });
      assert.equal(foreign.status, 403, key);
      assert.equal(foreign.body.error.code, 'FOREIGN_ORIGIN', key);
      // Decoding payloads reads runs: a POST a read key may make.
      if (methodOf(key) === 'GET' || key === WEBHOOK || key === 'POST /api/codec/decode') continue;
      const res = await locked.call(methodOf(key), fill(templateOf(key), {}), body(key), { authorization: `Bearer ${READER}` });
      assert.equal(res.status, 403, key);
      assert.equal(res.body.error.code, 'FORBIDDEN', key);
    }
    // The public health check needs no key; a listing with the read key works.
    assert.equal((await locked.call('GET', '/api/health')).status, 200);
    assert.equal((await locked.call('GET', '/api/flows', undefined, { authorization: `Bearer ${READER}` })).status, 200);
  });

  test('400 on every operation that names it: a path parameter too long, an unknown query field, or a bad body', { timeout: 30_000 }, async () => {
    for (const key of names('400')) {
      const template = templateOf(key);
      // 256: past every name's limit (a variable's is 255).
      let path = fill(template, { name: 'n'.repeat(256), id: 'i'.repeat(1_001), key: 'k'.repeat(201) });
      let sent = body(key);
      if (!template.includes('{')) {
        // No path parameter: a strict query refuses an unknown field; a body route a bad body.
        if (withQuery.has(key)) path += '?colour=red';
        else sent = { colour: 'red' };
      }
      const res = await api.call(methodOf(key), path, sent);
      assert.equal(res.status, 400, `${key}: ${JSON.stringify(res.body)}`);
    }
  });

  test(
    '413 for a body over 1 MB on every operation with a body; 415 for a charset the API does not read, or a write that is not JSON',
    { timeout: 30_000 },
    async () => {
      const big = JSON.stringify({ description: 'x'.repeat(1_100_000) });
      for (const key of names('413')) {
        const res = await api.call(methodOf(key), fill(templateOf(key), { name: scheduled, id: 'any' }), big);
        assert.equal(res.status, 413, key);
        assert.equal(res.body.error.code, 'TOO_LARGE');
      }
      for (const key of names('415')) {
        const path = fill(templateOf(key), { name: scheduled, id: 'any' });
        const res = withBody.has(key)
          ? await api.call(methodOf(key), path, JSON.stringify(body(key) ?? {}), { 'content-type': 'application/json; charset=latin1' })
          : await api.call(methodOf(key), path, 'a=b', { 'content-type': 'application/x-www-form-urlencoded' });
        assert.equal(res.status, 415, key);
        assert.equal(res.body.error.code, withBody.has(key) ? 'UNSUPPORTED' : 'NOT_JSON', key);
      }
    },
  );

  test('404 for an unknown deployment, flow or flow run, on every operation that names it', { timeout: 30_000 }, async () => {
    const missing = uid('missing');
    for (const key of names('404', true)) {
      const res = await api.call(methodOf(key), fill(templateOf(key), { name: missing, id: missing, key: 'ship' }), body(key));
      assert.equal(res.status, 404, `${key}: ${JSON.stringify(res.body)}`);
      assert.match(res.body.error.message, new RegExp(missing));
    }
  });

  test('deployments: create, update, dry run, list, read, change, pause, resume, backfill, run, delete; 409 without a schedule', { timeout: 60_000 }, async () => {
    const name = uid('conf-dep');
    deployments.push(name);
    const created = await api.call('POST', '/api/deployments', { name, flow: 'hello', parameters: { name: 'dep' }, taskQueue: w.taskQueue, paused: true });
    assert.equal(created.status, 201);
    const update = { name, flow: 'hello', parameters: { name: 'dep' }, taskQueue: w.taskQueue, version: '2', paused: true };
    assert.equal((await api.call('POST', '/api/deployments', update)).status, 200);
    const dry = await api.call('POST', '/api/deployments?dryRun=true', { ...update, name: uid('dry') });
    assert.equal(dry.status, 200, JSON.stringify(dry.body));
    assert.equal((await api.call('GET', `/api/deployments?flow=hello&pageSize=500`)).status, 200);
    assert.equal((await api.call('GET', `/api/deployments/${scheduled}`)).status, 200);
    assert.equal((await api.call('PATCH', `/api/deployments/${name}`, { version: '3' })).status, 200);
    assert.equal((await api.call('POST', `/api/deployments/${scheduled}/pause`)).status, 200);
    const resumed = await api.call('POST', `/api/deployments/${scheduled}/resume`);
    assert.equal(resumed.status, 200);
    assert.equal((await api.call('POST', `/api/deployments/${scheduled}/pause`)).body.paused, true);
    // A window where the yearly schedule fires nothing: accepted, and no run starts.
    assert.equal((await api.call('POST', `/api/deployments/${scheduled}/backfill`, VALID_BODY['POST /api/deployments/{name}/backfill'])).status, 202);
    const noSchedule = await api.call('POST', `/api/deployments/${unscheduled}/resume`);
    assert.equal(noSchedule.status, 409);
    assert.equal((await api.call('POST', `/api/deployments/${unscheduled}/backfill`, VALID_BODY['POST /api/deployments/{name}/backfill'])).status, 409);

    const idempotencyKey = uid('key');
    const run = await api.call('POST', `/api/deployments/${scheduled}/runs`, { parameters: { name: 'dep' }, idempotencyKey });
    assert.equal(run.status, 201, JSON.stringify(run.body));
    runs.push(run.body.id);
    const again = await api.call('POST', `/api/deployments/${scheduled}/runs`, { parameters: { name: 'dep' }, idempotencyKey });
    assert.equal(again.status, 200);
    assert.equal(again.body.id, run.body.id);
    const otherParameters = await api.call('POST', `/api/deployments/${scheduled}/runs`, { parameters: { name: 'other' }, idempotencyKey });
    assert.equal(otherParameters.status, 409, 'the same key with other parameters');
    assert.equal(await w.client.flowRuns.result(run.body.id), 'hello dep.');

    assert.equal((await api.call('DELETE', `/api/deployments/${name}`)).status, 204);
  });

  test('flow runs: start, list, read, task runs, retry, cancel, pause, resume, approvals; 409 on a run in the wrong state', { timeout: 120_000 }, async () => {
    assert.equal((await api.call('GET', '/api/flows')).status, 200);
    const idempotencyKey = uid('key');
    const first = await api.call('POST', '/api/flows/hello/runs', { parameters: { name: 'conf' }, idempotencyKey });
    assert.equal(first.status, 201);
    const id = first.body.id as string;
    runs.push(id);
    assert.equal((await api.call('POST', '/api/flows/hello/runs', { parameters: { name: 'conf' }, idempotencyKey })).status, 200);
    assert.equal((await api.call('POST', '/api/flows/hello/runs', { parameters: { name: 'not conf' }, idempotencyKey })).status, 409);
    assert.equal(await w.client.flowRuns.result(id), 'hello conf.');
    assert.equal((await api.call('GET', `/api/flow-runs/${id}`)).body.state, 'Completed');
    assert.equal((await api.call('GET', `/api/flow-runs/${id}/task-runs`)).status, 200);
    assert.equal((await api.call('GET', `/api/flow-runs?flow=hello&pageSize=5`)).status, 200);
    // The run has ended: each action on a live run is a conflict.
    for (const [action, sent] of [['cancel'], ['pause'], ['resume', {}], ['approvals/ship', VALID_BODY['POST /api/flow-runs/{id}/approvals/{key}']]] as const) {
      const res = await api.call('POST', `/api/flow-runs/${id}/${action}`, sent);
      assert.equal(res.status, 409, `${action}: ${JSON.stringify(res.body)}`);
    }
    const retried = await api.call('POST', `/api/flow-runs/${id}/retry`, {});
    assert.equal(retried.status, 201);
    assert.equal(retried.body.mode, 'restart');
    runs.push(retried.body.id);
    assert.equal(await w.client.flowRuns.result(retried.body.id), 'hello conf.');

    // A run waiting for a person: a retry is a conflict; pause, resume, list, decide work.
    const waiting = await startApproval();
    assert.equal((await api.call('POST', `/api/flow-runs/${waiting}/retry`, {})).status, 409);
    assert.equal((await api.call('POST', `/api/flow-runs/${waiting}/pause`)).status, 202);
    assert.equal((await api.call('POST', `/api/flow-runs/${waiting}/resume`, {})).status, 202);
    const pending = await api.call('GET', '/api/approvals?flow=approval-flow&pageSize=500');
    assert.ok(pending.body.approvals.some((a: { flowRunId: string }) => a.flowRunId === waiting));
    const decided = await api.call('POST', `/api/flow-runs/${waiting}/approvals/ship`, VALID_BODY['POST /api/flow-runs/{id}/approvals/{key}']);
    assert.equal(decided.status, 200, JSON.stringify(decided.body));
    assert.equal(((await w.client.flowRuns.result(waiting)) as { shipped: boolean }).shipped, true);

    const cancelled = await startApproval();
    assert.equal((await api.call('POST', `/api/flow-runs/${cancelled}/cancel`)).status, 202);
    await eventually(async () => ((await api.call('GET', `/api/flow-runs/${cancelled}`)).body.state === 'Cancelled' ? true : undefined), 30_000);
  });

  test("a task queue's pollers: the worker's for flows and tasks; a queue no worker polls has none", { timeout: 30_000 }, async () => {
    const polled = await api.call('GET', `/api/task-queues/${w.taskQueue}`);
    assert.equal(polled.status, 200, JSON.stringify(polled.body));
    assert.equal(polled.body.name, w.taskQueue);
    assert.ok(polled.body.flowPollers.length >= 1 && polled.body.taskPollers.length >= 1, JSON.stringify(polled.body));
    const idle = await api.call('GET', `/api/task-queues/${uid('no-worker')}`);
    assert.deepEqual([idle.body.flowPollers, idle.body.taskPollers], [[], []]);
  });

  test('events and automations: send, list; create, replace, list, read, pause, resume, delete', { timeout: 60_000 }, async () => {
    const id = uid('conf-event');
    const sent = await api.call('POST', '/api/events', { id, event: 'conformance.sent', resource: { id: 'conformance' } });
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    assert.equal((await api.call('POST', '/api/events', { id, event: 'conformance.sent' })).body.duplicate, true);
    await eventually(async () => ((await api.call('GET', '/api/events?event=conformance.sent&resource=conformance')).body.events.length ? true : undefined));
    const name = uid('conf-auto');
    const definition = { name, trigger: { type: 'event', match: 'conformance.never.*' }, actions: [{ type: 'pause-deployment', deployment: unscheduled }] };
    try {
      assert.equal((await api.call('POST', '/api/automations', definition)).status, 201);
      assert.equal((await api.call('POST', '/api/automations', { ...definition, description: 'replaced' })).status, 200);
      // Listed through visibility, which may show a new automation a moment later.
      await eventually(async () => ((await api.call('GET', '/api/automations')).body.automations.some((a: { name: string }) => a.name === name) ? true : undefined));
      assert.equal((await api.call('GET', `/api/automations/${name}`)).body.description, 'replaced');
      assert.equal((await api.call('POST', `/api/automations/${name}/pause`)).body.paused, true);
      assert.equal((await api.call('POST', `/api/automations/${name}/resume`)).body.paused, false);
    } finally {
      assert.equal((await api.call('DELETE', `/api/automations/${name}`)).status, 204);
    }
  });

  test('concurrency limits: create, list, read, change, delete; 409 for a name taken', { timeout: 60_000 }, async () => {
    const name = uid('conf-limit');
    try {
      assert.equal((await api.call('POST', '/api/concurrency-limits', { name, slots: 2 })).status, 201);
      assert.equal((await api.call('POST', '/api/concurrency-limits', { name, slots: 3 })).status, 409);
      await eventually(async () => ((await api.call('GET', '/api/concurrency-limits')).body.limits.some((l: { name: string }) => l.name === name) ? true : undefined));
      assert.equal((await api.call('GET', `/api/concurrency-limits/${name}`)).body.slots, 2);
      assert.equal((await api.call('PATCH', `/api/concurrency-limits/${name}`, { slots: 4 })).body.slots, 4);
    } finally {
      assert.equal((await api.call('DELETE', `/api/concurrency-limits/${name}`)).status, 204);
    }
  });

  test('a decision on a run whose task queue no worker polls → 503', { timeout: 30_000 }, async () => {
    const handle = await w.client.flowRuns.start('approval-flow', {}, { taskQueue: uid('no-worker') });
    runs.push(handle.id);
    const res = await api.call('POST', `/api/flow-runs/${handle.id}/approvals/ship`, { decision: 'reject' });
    assert.equal(res.status, 503, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'WORKER_UNAVAILABLE');
  });

  test('the cache: cleared by task (200); an API without a cache → 409; a cache store that does not answer → 503', { timeout: 30_000 }, async () => {
    const cleared = await api.call('DELETE', `/api/cache?task=${uid('no-such-task')}`);
    assert.equal(cleared.status, 200);
    assert.equal(cleared.body.removed, 0);
    assert.equal((await uncached.call('DELETE', '/api/cache')).status, 409);
    redis.freeze();
    try {
      const stuck = await stuckCache.call('DELETE', '/api/cache');
      assert.equal(stuck.status, 503, JSON.stringify(stuck.body));
      assert.equal(stuck.body.error.code, 'CACHE_UNAVAILABLE');
    } finally {
      redis.thaw();
    }
  });

  test("a run's logs: 200 as a page and as Server-Sent Events; an API without run logs → 409", { timeout: 30_000 }, async () => {
    const started = await api.call('POST', '/api/flows/hello/runs', { parameters: { name: 'logs' } });
    runs.push(started.body.id);
    assert.equal(await w.client.flowRuns.result(started.body.id), 'hello logs.');
    const page = await api.call('GET', `/api/flow-runs/${started.body.id}/logs?level=info&limit=10`);
    assert.equal(page.status, 200, JSON.stringify(page.body));
    for (const path of ['logs', 'logs/stream']) {
      const off = await uncached.call('GET', `/api/flow-runs/${started.body.id}/${path}`);
      assert.equal(off.status, 409, path);
      assert.match(off.body.error.message, /BATON_RUN_LOGS=off/);
    }
    // Not JSON, so not through `call`: read and checked here, then counted as produced.
    const res = await fetch(`${api.base}/api/flow-runs/${started.body.id}/logs/stream`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream\b/);
    const events = new SseParser().push(await res.text());
    assert.deepEqual([events.at(-1)?.event, events.at(-1)?.data], ['end', '{}']);
    (api.observed as Set<string>).add('GET /api/flow-runs/{id}/logs/stream 200');
  });

  test("a run's stream: 200 as Server-Sent Events, the document's text/event-stream answer", { timeout: 30_000 }, async () => {
    const started = await api.call('POST', '/api/flows/hello/runs', { parameters: { name: 'stream' } });
    runs.push(started.body.id);
    assert.equal(await w.client.flowRuns.result(started.body.id), 'hello stream.');
    const key = 'GET /api/flow-runs/{id}/stream';
    const document = (await api.call('GET', '/api/openapi.json')).body as {
      paths: Record<string, Record<string, { responses: Record<string, { content?: object }> }>>;
    };
    assert.deepEqual(Object.keys(document.paths['/api/flow-runs/{id}/stream']!.get!.responses['200']!.content ?? {}), ['text/event-stream']);
    // Not JSON, so not through `call`: read and checked here, then counted as produced.
    const res = await fetch(`${api.base}/api/flow-runs/${started.body.id}/stream`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream\b/);
    const events = new SseParser().push(await res.text());
    assert.deepEqual(
      events.map((e) => [e.event, e.data]),
      [['end', '{}']],
    );
    (api.observed as Set<string>).add(`${key} 200`);
  });

  test("artifacts: a run's (200, none for a run that made none) and a key's versions (200)", { timeout: 30_000 }, async () => {
    const started = await api.call('POST', '/api/flows/hello/runs', { parameters: { name: 'artifacts' } });
    runs.push(started.body.id);
    assert.equal(await w.client.flowRuns.result(started.body.id), 'hello artifacts.');
    const ofRun = await api.call('GET', `/api/flow-runs/${started.body.id}/artifacts`);
    assert.equal(ofRun.status, 200, JSON.stringify(ofRun.body));
    assert.deepEqual(ofRun.body, { artifacts: [] });
    const ofKey = await api.call(
      'GET',
      `/api/artifacts?key=${uid('none')
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, '-')}`,
    );
    assert.equal(ofKey.status, 200, JSON.stringify(ofKey.body));
    assert.deepEqual(ofKey.body.versions, []);
  });

  test('variables: create (201), replace (200), list, read, delete (204); conditional writes that do not hold → 409', { timeout: 60_000 }, async () => {
    const name = uid('conf_var');
    assert.equal((await api.call('PUT', `/api/variables/${name}`, { value: 1 })).status, 201);
    assert.equal((await api.call('PUT', `/api/variables/${name}`, { value: 2, tags: ['t'] })).status, 200);
    assert.equal((await api.call('PUT', `/api/variables/${name}`, { value: 3, overwrite: false })).status, 409);
    assert.equal((await api.call('GET', '/api/variables')).status, 200);
    assert.equal((await api.call('GET', `/api/variables/${name}`)).body.version, 2);
    assert.equal((await api.call('DELETE', `/api/variables/${name}?ifVersion=1`)).status, 409);
    assert.equal((await api.call('DELETE', `/api/variables/${name}`)).status, 204);
  });

  test('Temporal unreachable → 503 on every operation that names it; health reports degraded', { timeout: 60_000 }, async () => {
    assert.equal((await cutApi.call('GET', '/api/health')).body.status, 'ok', 'reachable through the relay at first');
    await cutRelay.cut();
    const health = await cutApi.call('GET', '/api/health');
    assert.equal(health.status, 503);
    assert.deepEqual(health.body.temporal.reachable, false);
    // Every operation, valid input: `call` checks each answer against the document, and those
    // that need Temporal must say it is unreachable.
    // The cache route's 503 is its store's (tested above), not Temporal's: it needs no Temporal.
    const needTemporal = new Set(names('503').filter((key) => key !== 'DELETE /api/cache'));
    const wrong: string[] = [];
    for (const key of operations.keys()) {
      if (key === WEBHOOK) continue;
      const name = templateOf(key).startsWith('/api/flows/') ? 'hello' : scheduled;
      const res = await cutApi.call(methodOf(key), fill(templateOf(key), { name, id: uid('run'), key: 'ship' }) + (VALID_QUERY[key] ?? ''), body(key));
      if (needTemporal.has(key) ? res.status !== 503 : res.status >= 300) wrong.push(`${key}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    assert.deepEqual(wrong, []);
  });

  test('a webhook: 202 once stored, 401 unsigned or signed wrong, 400 for a body that is not JSON, 413, 503', { timeout: 30_000 }, async () => {
    const path = `/api/webhooks/${hook.name}`;
    const send = (target: TestApi, body: string, signature?: string) =>
      target.call('POST', path, body, { 'content-type': 'application/json', ...(signature ? { 'x-hub-signature-256': signature } : {}) });
    const sign = (body: string) => githubSignature(Buffer.from(HOOK_SECRET), Buffer.from(body));
    const delivery = JSON.stringify({ action: uid('opened') });
    const stored = await send(api, delivery, sign(delivery));
    assert.equal(stored.status, 202, JSON.stringify(stored.body));
    assert.equal(stored.body.duplicate, false);
    assert.equal((await send(api, delivery)).body.error.code, 'BAD_SIGNATURE');
    assert.equal((await send(api, delivery, sign(`${delivery} `))).status, 401);
    const notJson = 'action=opened';
    const refused = await send(api, notJson, sign(notJson));
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    const big = JSON.stringify({ action: 'x'.repeat(1_100_000) });
    assert.equal((await send(api, big, sign(big))).status, 413);
    const cut = await send(cutApi, delivery, sign(delivery));
    assert.equal(cut.status, 503, JSON.stringify(cut.body));
  });

  test('the pairs seen are exactly the (operation, status) pairs the document names', { timeout: 10_000 }, async () => {
    const named = (await api.checker()).named();
    const seen = new Set([api, locked, uncached, stuckCache, cutApi].flatMap((api) => [...api.observed]));
    // Exempt: the shared 500 (components.responses.InternalError) every operation names. No request
    // can make a sound API fail unforeseen; schemathesis.test.ts checks that none ever does.
    const shared500 = (p: string) => p.endsWith(' 500');
    assert.equal([...named].filter(shared500).length, operations.size, 'every operation names the shared 500');
    const missing = [...named].filter((p) => !seen.has(p) && !shared500(p)).sort();
    assert.deepEqual(missing, [], `named by the document but never produced:\n  ${missing.join('\n  ')}`);
    assert.deepEqual(
      [...seen].filter((p) => !named.has(p)),
      [],
    );
  });
});
