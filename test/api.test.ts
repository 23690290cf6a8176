import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createApp } from '../src/api/app';
import { startWorker, type TestWorker } from './helpers';

describe('REST facade (in-process over HTTP)', () => {
  let w: TestWorker;
  let server: Server;
  let base: string;
  before(async () => {
    w = await startWorker();
    server = createApp({ client: w.client }).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((r) => server.close(r));
    await w.stop();
  });

  test('health reports Temporal reachable', async () => {
    const res = await fetch(`${base}/api/health`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok', temporal: { reachable: true, namespace: 'default' } });
  });

  test('flows are listed with their parameter JSON schema', async () => {
    const body = (await (await fetch(`${base}/api/flows`)).json()) as { flows: { name: string; parameters: Record<string, unknown> | null }[] };
    const child = body.flows.find((f) => f.name === 'child-flow');
    assert.ok(child);
    assert.deepEqual((child.parameters as { required: string[] }).required, ['a', 'b']);
  });

  test('a flow run and its task runs, read from Temporal', async () => {
    const handle = await w.client.flowRuns.start('child-flow', { a: 1, b: 2 });
    await handle.result();
    const run = (await (await fetch(`${base}/api/flow-runs/${handle.id}`)).json()) as Record<string, unknown>;
    assert.equal(run.state, 'Completed');
    assert.deepEqual(run.result, { sum: 3 });
    assert.deepEqual(run.parameters, { a: 1, b: 2 });
    assert.equal(run.runName, 'child-1-2');
    const tasks = (await (await fetch(`${base}/api/flow-runs/${handle.id}/task-runs`)).json()) as { taskRuns: { name: string; state: string }[] };
    assert.deepEqual(
      tasks.taskRuns.map((t) => [t.name, t.state]),
      [['add', 'Completed']],
    );
  });

  test('unknown runs and routes are 404s with a code and message, never a stack', async () => {
    const res = await fetch(`${base}/api/flow-runs/does-not-exist`);
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), { error: { code: 'NOT_FOUND', message: "no flow run with id 'does-not-exist'" } });
    const bad = await fetch(`${base}/api/nowhere`);
    assert.equal(bad.status, 404);
    const text = await bad.text();
    assert.doesNotMatch(text, /at .*\.ts:\d+/);
  });
});
