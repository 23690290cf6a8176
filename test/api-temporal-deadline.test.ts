import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BatonClient } from '../src/client/client';
import { startTestApi, type TestApi } from './api-helpers';
import { startWorker, testTarget, uid, type TestWorker } from './helpers';
import { relay, type Relay } from './temporal-relay';

const WAIT_SECONDS = 2;

// A Temporal that stops answering (frozen, or a network dropping packets) gets no answer at all:
// without a deadline the API's requests would wait for as long as the connection stays open.
describe('an API whose Temporal stops answering', { timeout: 90_000 }, () => {
  let w: TestWorker;
  let frozen: Relay;
  let client: BatonClient;
  let api: TestApi;
  const deployment = uid('frozen');
  before(async () => {
    w = await startWorker();
    const target = testTarget();
    frozen = await relay(target.connectionOptions.address!);
    // The SDK's own retries stay on, as in production: the deadline must end them too.
    client = await BatonClient.connect({
      target: { ...target, connectionOptions: { ...target.connectionOptions, address: frozen.address } },
      taskQueue: w.taskQueue,
      flows: w.client.flows,
    });
    api = await startTestApi(client, undefined, { temporalWaitSeconds: WAIT_SECONDS });
  });
  after(async () => {
    await api?.close();
    await frozen?.cut();
    await client?.close().catch(() => undefined);
    await w?.client.deployments.delete(deployment).catch(() => undefined);
    await w?.stop();
  });

  test(`every request that needs Temporal answers 503 within its ${WAIT_SECONDS} s deadline`, async () => {
    assert.equal((await api.call('GET', '/api/flow-runs')).status, 200, 'answered through the relay at first');
    assert.equal((await api.call('POST', '/api/deployments', { name: deployment, flow: 'hello', parameters: { name: 'x' } })).status, 201);
    frozen.freeze();
    const requests: [string, string, unknown?][] = [
      ['GET', '/api/flow-runs'],
      ['GET', `/api/flow-runs/${uid('run')}`],
      ['GET', '/api/deployments'],
      ['POST', '/api/flows/hello/runs', { parameters: { name: 'x' } }],
      ['POST', `/api/deployments/${deployment}/pause`, {}],
      ['GET', '/api/approvals'],
    ];
    const answers = await Promise.all(
      requests.map(async ([method, path, body]) => {
        const started = Date.now();
        const res = await api.call(method, path, body);
        return { request: `${method} ${path}`, status: res.status, code: res.body?.error?.code, ms: Date.now() - started };
      }),
    );
    for (const a of answers) {
      assert.equal(a.status, 503, JSON.stringify(a));
      assert.equal(a.code, 'TEMPORAL_UNAVAILABLE', JSON.stringify(a));
      // The deadline, plus the last backoff of the SDK's retries and this machine's slack.
      assert.ok(a.ms < WAIT_SECONDS * 1000 + 2_500, `${a.request} answered after ${a.ms} ms`);
    }
    const started = Date.now();
    const health = await api.call('GET', '/api/health');
    assert.equal(health.status, 503);
    assert.ok(Date.now() - started < 3_000, `health answered after ${Date.now() - started} ms`);
  });
});
