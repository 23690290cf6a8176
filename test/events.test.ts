/**
 * Events in, automations out: events stored as workflows (a repeated id ignored), listed through
 * visibility, matched against automations whose actions run once per (automation, event); pause
 * and resume; threshold and proactive triggers; Baton's own flow-run events.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WorkflowNotFoundError } from '@temporalio/client';
import { actionKey, eventWorkflowId, type ActResult } from '../src/core/events';
import { EventStore } from '../src/events/event-store';
import { startTestApi, type TestApi } from './api-helpers';
import { actionRunId } from './fixtures/events/ids';
import { eventually, FIXTURES, startWorker, uid, type TestWorker } from './helpers';

const ADMIN = 'events-admin-0123456789';

describe('events and automations', () => {
  let w: TestWorker;
  let api: TestApi;
  const auth = { authorization: `Bearer ${ADMIN}` };
  const automations: string[] = [];
  const deployments: string[] = [];

  before(async () => {
    // Every one of Baton's own events is stored, so the listing shows them (own-events.test.ts: the default).
    w = await startWorker({ flows: path.join(FIXTURES, 'events'), env: { BATON_FLOW_RUN_EVENTS: 'all' } });
    api = await startTestApi(w.client, `ops:admin:${ADMIN}`);
  });
  after(async () => {
    for (const name of automations) await api?.call('DELETE', `/api/automations/${name}`, undefined, auth).catch(() => undefined);
    for (const name of deployments) await w?.client.deployments.delete(name).catch(() => undefined);
    await api?.close();
    await w?.stop();
  });

  const deploy = async (flow = 'events-record') => {
    const name = uid('ev-dep');
    const res = await api.call('POST', '/api/deployments', { name, flow, taskQueue: w.taskQueue }, auth);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    deployments.push(name);
    return name;
  };
  const automate = async (definition: Record<string, unknown>) => {
    const res = await api.call('POST', '/api/automations', definition, auth);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    automations.push(definition.name as string);
    return res.body;
  };
  const send = async (event: Record<string, unknown>) => {
    const res = await api.call('POST', '/api/events', event, auth);
    assert.equal(res.status, 202, JSON.stringify(res.body));
    return res.body as { id: string; duplicate: boolean };
  };
  /** What the event's workflow did: the automations it matched and each action's result. */
  const outcome = async (eventId: string) =>
    (await w.client.temporal.workflow.getHandle(eventWorkflowId(eventId)).result()) as { matched: string[]; actions: ActResult[] };

  test('an event is stored once per id, listed by name and resource; bad input names the field and stores nothing', { timeout: 30_000 }, async () => {
    const id = uid('ev');
    const name = `test.${uid('kind')}`;
    const first = await send({ id, event: name, resource: { id: 'octo/hello', kind: 'repo' }, payload: { n: 1 } });
    assert.deepEqual(first, { id, duplicate: false });
    const again = await send({ id, event: name, resource: { id: 'octo/hello' }, payload: { n: 2 } });
    assert.deepEqual(again, { id, duplicate: true });
    const generated = await send({ event: name, payload: { n: 3 } });
    assert.match(generated.id, /^[0-9a-f-]{36}$/);

    const listed = await eventually(async () => {
      const res = await api.call('GET', `/api/events?event=${name}`, undefined, auth);
      return res.body.events.length === 2 ? res.body : undefined;
    });
    assert.deepEqual(
      listed.events.map((e: { id: string }) => e.id),
      [generated.id, id],
      'newest first',
    );
    const stored = listed.events[1];
    assert.deepEqual(stored.payload, { n: 1 }, 'the first of two events with one id is the one kept');
    assert.deepEqual(stored.resource, { id: 'octo/hello', kind: 'repo' });
    const byResource = await api.call('GET', `/api/events?event=${name}&resource=octo%2Fhello`, undefined, auth);
    assert.deepEqual(
      byResource.body.events.map((e: { id: string }) => e.id),
      [id],
    );

    const bad = await api.call('POST', '/api/events', { event: 'has spaces', id: uid('bad'), payload: [] }, auth);
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.error.details.map((d: { path: string }) => d.path).sort(), ['event', 'payload']);
    const big = await api.call('POST', '/api/events', { event: 'x', payload: { blob: 'x'.repeat(300 * 1024) } }, auth);
    assert.equal(big.status, 400);
    assert.match(big.body.error.message, /payload: must be at most 256 KiB/);
    const unauthenticated = await api.call('POST', '/api/events', { event: 'x' });
    assert.equal(unauthenticated.status, 401);

    // What a flow run pays per change it emits: one start of an event workflow (measured, printed).
    const store = new EventStore(w.client);
    const times: number[] = [];
    for (let i = 0; i < 40; i++) {
      const t0 = performance.now();
      await store.emit({ event: `${name}.timed`, payload: { i } });
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    console.log(`# storing an event (StartWorkflowExecution): median ${times[20]!.toFixed(1)} ms, p90 ${times[36]!.toFixed(1)} ms over 40`);
  });

  test('an automation runs a deployment once per matching event, with parameters from the event; pause and resume', { timeout: 60_000 }, async () => {
    const deployment = await deploy();
    const name = uid('auto');
    const created = await automate({
      name,
      trigger: { type: 'event', match: `shop.${name}.*`, resource: { kind: 'order' }, payload: { 'order.paid': true } },
      actions: [{ type: 'run-deployment', deployment, parameters: { url: '{{payload.order.url}}', eventId: '{{id}}', event: '{{event}}' } }],
    });
    assert.equal(created.paused, false);
    // Listed through visibility, which may show a new automation a moment later.
    await eventually(async () =>
      (await api.call('GET', '/api/automations', undefined, auth)).body.automations.some((a: { name: string }) => a.name === name) ? true : undefined,
    );

    const paid = await send({ event: `shop.${name}.created`, resource: { id: 'o-1', kind: 'order' }, payload: { order: { paid: true, url: 'https://shop/o-1' } } });
    const unpaid = await send({ event: `shop.${name}.created`, resource: { id: 'o-2', kind: 'order' }, payload: { order: { paid: false, url: 'https://shop/o-2' } } });
    const otherName = await send({ event: `other.${name}`, resource: { id: 'o-3', kind: 'order' }, payload: { order: { paid: true } } });
    const repeat = await send({ id: paid.id, event: `shop.${name}.created`, resource: { id: 'o-1', kind: 'order' }, payload: { order: { paid: true } } });
    assert.equal(repeat.duplicate, true);

    const fired = await outcome(paid.id);
    assert.deepEqual(fired.matched, [name]);
    const runId = actionRunId(deployment, name, paid.id);
    assert.equal(fired.actions[0]!.flowRunId, runId);
    assert.deepEqual(await w.client.flowRuns.result(runId), { url: 'https://shop/o-1', eventId: paid.id, event: `shop.${name}.created` });
    assert.deepEqual((await outcome(unpaid.id)).matched, [], 'a payload filter that does not hold');
    assert.deepEqual((await outcome(otherName.id)).matched, [], 'a name that does not match');
    // Listed once visibility has the run (the run's own record came first).
    const runs = await eventually(async () => {
      const page = await w.client.flowRuns.list({ deployment });
      return page.flowRuns.length ? page : undefined;
    });
    assert.deepEqual(
      runs.flowRuns.map((r) => r.id),
      [runId],
    );

    const paused = await api.call('POST', `/api/automations/${name}/pause`, undefined, auth);
    assert.equal(paused.body.paused, true);
    const whilePaused = await send({ event: `shop.${name}.created`, resource: { id: 'o-4', kind: 'order' }, payload: { order: { paid: true } } });
    assert.deepEqual((await outcome(whilePaused.id)).matched, [], 'a paused automation matches nothing');
    const resumed = await api.call('POST', `/api/automations/${name}/resume`, undefined, auth);
    assert.equal(resumed.body.paused, false);
    const afterResume = await send({ event: `shop.${name}.created`, resource: { id: 'o-5', kind: 'order' }, payload: { order: { paid: true, url: 'u5' } } });
    assert.deepEqual((await outcome(afterResume.id)).matched, [name]);
    assert.equal(((await w.client.flowRuns.result(actionRunId(deployment, name, afterResume.id))) as { url: string }).url, 'u5');

    const inspected = await api.call('GET', `/api/automations/${name}`, undefined, auth);
    assert.equal(inspected.status, 200);
    assert.deepEqual(inspected.body.actions[0].parameters, { url: '{{payload.order.url}}', eventId: '{{id}}', event: '{{event}}' });
    assert.equal((await api.call('DELETE', `/api/automations/${name}`, undefined, auth)).status, 204);
    assert.equal((await api.call('GET', `/api/automations/${name}`, undefined, auth)).status, 404);
    const afterDelete = await send({ event: `shop.${name}.created`, resource: { id: 'o-6', kind: 'order' }, payload: { order: { paid: true } } });
    assert.deepEqual((await outcome(afterDelete.id)).matched, []);
  });

  test('actions: pause a deployment, cancel the flow run the event names, call a webhook with the action key', { timeout: 60_000 }, async () => {
    const deployment = await deploy();
    const calls: { headers: http.IncomingHttpHeaders; body: unknown }[] = [];
    const server = http.createServer((req, res) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => {
        calls.push({ headers: req.headers, body: JSON.parse(text) });
        res.writeHead(204).end();
      });
    });
    server.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      const victim = await w.client.flowRuns.start('events-wait', { ms: 60_000 });
      const name = uid('ops');
      await automate({
        name,
        trigger: { type: 'event', match: `ops.${name}.stop` },
        actions: [
          { type: 'pause-deployment', deployment },
          { type: 'cancel-flow-run', flowRunId: '{{resource.id}}' },
          { type: 'call-webhook', url, body: { text: 'stopped {{resource.id}}', run: '{{resource.id}}' } },
        ],
      });
      const sent = await send({ event: `ops.${name}.stop`, resource: { id: victim.id } });
      const done = await outcome(sent.id);
      assert.deepEqual(
        done.actions.map((a) => [a.type, a.note ?? null]),
        [
          ['pause-deployment', null],
          ['cancel-flow-run', null],
          ['call-webhook', null],
        ],
      );
      assert.equal((await w.client.deployments.get(deployment)).paused, true);
      await eventually(async () => ((await w.client.flowRuns.get(victim.id)).state === 'Cancelled' ? true : undefined));
      assert.equal(calls.length, 1);
      assert.equal(calls[0]!.headers['idempotency-key'], actionKey(name, sent.id, 2));
      assert.deepEqual(calls[0]!.body, { text: `stopped ${victim.id}`, run: victim.id });
    } finally {
      server.close();
    }
  });

  test('a threshold trigger fires once per N matching events within its window', { timeout: 60_000 }, async () => {
    const deployment = await deploy();
    const name = uid('burst');
    await automate({
      name,
      trigger: { type: 'threshold', match: `alert.${name}`, count: 3, withinSeconds: 600 },
      actions: [{ type: 'run-deployment', deployment, parameters: { eventId: '{{id}}' } }],
    });
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await send({ event: `alert.${name}`, payload: { i } })).id);
    // The third and the sixth event fire; the seventh waits for two more.
    const automation = await eventually(async () => {
      const res = await api.call('GET', `/api/automations/${name}`, undefined, auth);
      return res.body.fired === 2 ? res.body : undefined;
    });
    assert.equal(automation.fired, 2);
    // The count moves when an action is decided; its run is started by an activity just after.
    const runs = await eventually(async () => {
      const listed = (await w.client.flowRuns.list({ deployment })).flowRuns.map((r) => r.id).sort();
      return listed.length >= 2 ? listed : undefined;
    });
    assert.equal(runs.length, 2);
    // Event workflows run side by side, so which event is the third to reach the automation is not
    // fixed; each run is the action of one of the events, under that event's key.
    const results = await Promise.all(runs.map((id) => w.client.flowRuns.result(id) as Promise<{ eventId: string }>));
    const firing = results.map((r) => r.eventId);
    assert.equal(new Set(firing).size, 2);
    for (const id of firing) {
      assert.ok(ids.includes(id), id);
      assert.ok(runs.includes(actionRunId(deployment, name, id)), `the run of ${id} has the action's id`);
    }
  });

  test(
    "Baton's own events: a flow run's started, completed and failed, with the run as resource; a proactive trigger on a run that takes too long",
    {
      timeout: 60_000,
    },
    async () => {
      const ok = await w.client.flowRuns.start('events-record', { url: 'x' });
      await ok.result();
      const failed = await w.client.flowRuns.start('events-fail', {});
      await assert.rejects(failed.result());
      const names = async (id: string) =>
        eventually(async () => {
          const res = await api.call('GET', `/api/events?resource=${encodeURIComponent(id)}`, undefined, auth);
          return res.body.events.length === 2 ? res.body.events.map((e: { event: string }) => e.event).sort() : undefined;
        });
      assert.deepEqual(await names(ok.id), ['baton.flow-run.completed', 'baton.flow-run.started']);
      assert.deepEqual(await names(failed.id), ['baton.flow-run.failed', 'baton.flow-run.started']);
      const failure = (await api.call('GET', `/api/events?event=baton.flow-run.failed&resource=${encodeURIComponent(failed.id)}`, undefined, auth)).body.events[0];
      assert.equal(failure.payload.flow, 'events-fail');
      assert.match(failure.payload.error.message, /events-fail fails/);

      // An approval: requested when the run starts waiting, decided with who decided and how.
      const waiting = await w.client.flowRuns.start('events-approval', undefined);
      await eventually(async () => (await w.client.approvals.list({ flow: 'events-approval' })).approvals.find((a) => a.flowRunId === waiting.id));
      await w.client.approvals.decide(waiting.id, 'ship', { decision: 'approve' }, 'ada');
      assert.equal(await waiting.result(), 'approve');
      const all = await eventually(async () => {
        const res = await api.call('GET', `/api/events?resource=${encodeURIComponent(waiting.id)}`, undefined, auth);
        return res.body.events.length === 4 ? (res.body.events as { event: string; payload: { approval?: unknown } }[]) : undefined;
      });
      assert.deepEqual(all.map((e) => e.event).sort(), ['baton.approval.decided', 'baton.approval.requested', 'baton.flow-run.completed', 'baton.flow-run.started']);
      assert.deepEqual(all.find((e) => e.event === 'baton.approval.decided')!.payload.approval, {
        key: 'ship',
        decision: 'approve',
        decidedBy: 'ada',
        timedOut: false,
      });

      // Proactive: a run of events-wait that has not completed 10 s after it started calls the hook. The window leaves
      // room for the quick run's events to reach the automation on a loaded machine (2 s did not, on the cluster run).
      const calls: unknown[] = [];
      const server = http.createServer((req, res) => {
        let text = '';
        req.on('data', (c) => (text += c));
        req.on('end', () => {
          calls.push(JSON.parse(text));
          res.writeHead(200).end('{}');
        });
      });
      server.listen(0, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      try {
        const name = uid('slow');
        await automate({
          name,
          trigger: { type: 'proactive', after: 'baton.flow-run.started', expect: 'baton.flow-run.completed', withinSeconds: 10, resource: { flow: 'events-wait' } },
          actions: [{ type: 'call-webhook', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, body: { slow: '{{resource.id}}' } }],
        });
        const quick = await w.client.flowRuns.start('events-wait', { ms: 10 });
        const slow = await w.client.flowRuns.start('events-wait', { ms: 20_000 });
        await quick.result();
        await eventually(() => (calls.length > 0 ? true : undefined), 30_000);
        assert.deepEqual(calls, [{ slow: slow.id }]);
        await slow.result();
        // The quick run's wait was closed by its completed event: the automation holds no wait for either run.
        const state = await w.client.temporal.workflow
          .getHandle(`baton-automation/${name}`)
          .query<{ state: { waiting: object; fired: number } }>('baton.automation.state');
        assert.deepEqual(Object.keys(state.state.waiting), []);
        assert.equal(state.state.fired, 1);
      } finally {
        server.close();
      }
    },
  );

  test('an event for an unknown webhook name or a bad automation is refused with the field named', { timeout: 20_000 }, async () => {
    const res = await api.call(
      'POST',
      '/api/automations',
      { name: uid('bad'), trigger: { type: 'threshold', match: 'a.*', count: 0, withinSeconds: 10 }, actions: [] },
      auth,
    );
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.error.details.map((d: { path: string }) => d.path).sort(), ['actions', 'trigger.count']);
    await assert.rejects(w.client.temporal.workflow.getHandle(`baton-automation/${uid('none')}`).describe(), WorkflowNotFoundError);
  });
});
