import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BatonClient } from '../src/client/client';
import { dataConverter, loadConfig } from '../src/config';
import { startTestApi, type TestApi } from './api-helpers';
import { testTarget } from './helpers';
import { relay } from './temporal-relay';

// An API whose Temporal goes away says so within the probe's deadline, not after the SDK's retries.
describe('health with Temporal gone', { timeout: 60_000 }, () => {
  let cut: Awaited<ReturnType<typeof relay>>;
  let client: BatonClient;
  let api: TestApi;
  before(async () => {
    const target = testTarget();
    cut = await relay(target.connectionOptions.address!);
    client = await BatonClient.connect({
      target: { ...target, connectionOptions: { ...target.connectionOptions, address: cut.address } },
      dataConverter: dataConverter(loadConfig()),
    });
    api = await startTestApi(client);
  });
  after(async () => {
    await api.close();
    await client.close().catch(() => undefined);
  });

  test('GET /api/health answers 503 degraded within 5 s (its Temporal check gives up after 2 s)', async () => {
    assert.equal((await api.call('GET', '/api/health')).body.status, 'ok');
    await cut.cut();
    const started = Date.now();
    const res = await api.call('GET', '/api/health');
    const ms = Date.now() - started;
    assert.equal(res.status, 503);
    assert.equal(res.body.temporal.reachable, false);
    assert.ok(ms < 5_000, `answered after ${ms} ms`);
  });
});
