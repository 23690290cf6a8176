/**
 * Which of Baton's own events a worker stores by default (BATON_FLOW_RUN_EVENTS=automations): only
 * those a running automation's trigger names, read fresh each time; each decision is in the run's
 * history (the emit local activity's result). events.test.ts covers `all` and the events' contents.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { temporal } from '@temporalio/proto';
import { EMIT_ACTIVITY } from '../src/core/events';
import { startTestApi, type TestApi } from './api-helpers';
import { eventually, FIXTURES, startWorker, uid, type TestWorker } from './helpers';

const E = temporal.api.enums.v1.EventType;
const ADMIN = 'own-events-admin-0123456789';
const auth = { authorization: `Bearer ${ADMIN}` };

/** The emit activity's results in a run's history, by event name: whether each event was stored. */
async function emitted(w: TestWorker, id: string): Promise<Record<string, boolean>> {
  const events = (await w.client.temporal.workflow.getHandle(id).fetchHistory()).events ?? [];
  const out: Record<string, boolean> = {};
  for (const e of events) {
    const m = e.eventType === E.EVENT_TYPE_MARKER_RECORDED ? e.markerRecordedEventAttributes : undefined;
    if (m?.markerName !== 'core_local_activity') continue;
    const data = JSON.parse(Buffer.from(m.details!.data!.payloads![0]!.data!).toString()) as { activity_type: string };
    if (data.activity_type !== EMIT_ACTIVITY) continue;
    const result = JSON.parse(Buffer.from(m.details!.result!.payloads![0]!.data!).toString()) as { stored: boolean; id: string };
    out[result.id.split(':').pop()!] = result.stored;
  }
  return out;
}

describe("Baton's own events, by default: stored only when an automation listens", { timeout: 120_000 }, () => {
  let w: TestWorker;
  let api: TestApi;
  const automations: string[] = [];

  before(async () => {
    w = await startWorker({ flows: path.join(FIXTURES, 'events') });
    api = await startTestApi(w.client, `ops:admin:${ADMIN}`);
  });
  after(async () => {
    for (const name of automations) await api?.call('DELETE', `/api/automations/${name}`, undefined, auth).catch(() => undefined);
    await api?.close();
    await w?.stop();
  });

  test('no automation names them: each change is decided not stored, in the history, and none is listed', { timeout: 30_000 }, async () => {
    const run = await w.client.flowRuns.start('own-events-probe', undefined);
    await run.result();
    assert.deepEqual(await emitted(w, run.id), { started: false, completed: false });
    const listed = await api.call('GET', `/api/events?resource=${encodeURIComponent(run.id)}`, undefined, auth);
    assert.deepEqual(listed.body.events, []);
  });

  test('an automation on a run completing: that event is stored and fires the automation; the start, which none names, is not', { timeout: 60_000 }, async () => {
    const calls: { ran?: string }[] = [];
    const server = http.createServer((req, res) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => {
        calls.push(JSON.parse(text) as { ran?: string });
        res.writeHead(200).end('{}');
      });
    });
    server.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const name = uid('own-done');
      const created = await api.call(
        'POST',
        '/api/automations',
        {
          name,
          trigger: { type: 'event', match: 'baton.flow-run.completed', resource: { flow: 'own-events-probe' } },
          actions: [{ type: 'call-webhook', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, body: { ran: '{{resource.id}}' } }],
        },
        auth,
      );
      assert.equal(created.status, 201, JSON.stringify(created.body));
      automations.push(name);
      // Straight after the API's answer: the worker's read is fresh, so it sees the automation.
      const run = await w.client.flowRuns.start('own-events-probe', undefined);
      await run.result();
      assert.deepEqual(await emitted(w, run.id), { started: false, completed: true });
      await eventually(() => (calls.some((c) => c.ran === run.id) ? true : undefined), 20_000);
      const listed = await api.call('GET', `/api/events?resource=${encodeURIComponent(run.id)}`, undefined, auth);
      assert.deepEqual(
        listed.body.events.map((e: { event: string }) => e.event),
        ['baton.flow-run.completed'],
      );
      // Paused, it names nothing: the next run's completion is not stored.
      assert.equal((await api.call('POST', `/api/automations/${name}/pause`, undefined, auth)).status, 200);
      const next = await w.client.flowRuns.start('own-events-probe', undefined);
      await next.result();
      assert.deepEqual(await emitted(w, next.id), { started: false, completed: false });
    } finally {
      server.close();
    }
  });
});
